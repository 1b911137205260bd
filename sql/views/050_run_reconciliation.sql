-- run_reconciliation: every run's in = loaded + duplicates + quarantined, checked.
create or replace view run_reconciliation as
with

source_runs as (
    select * from runs
),

final as (
    select
        run_id,
        started_at,
        status,
        records_in,
        loaded,
        duplicates,
        quarantined,
        records_in = loaded + duplicates + quarantined as reconciles,
        code_version
    from source_runs as runs
)

select * from final
order by started_at;
