-- How did recent runs go: records in, loaded, duplicates, quarantined, and does each reconcile?
select
    run_id,
    started_at,
    status,
    records_in,
    loaded,
    duplicates,
    quarantined,
    reconciles,
    code_version
from run_reconciliation
order by started_at desc
limit 20;
