-- stg_articles: articles with the period columns every analyst view groups by.
-- Undated articles (no publish date in the dump) are placed at the start of the run that
-- loaded them, flagged by is_dated = false, so that they still count in their period.
create or replace view stg_articles as
with

source_articles as (
    select * from articles
),

run_starts as (
    select run_id, started_at from runs
),

dated as (
    select
        articles.*,
        coalesce(articles.published_at, run_starts.started_at) as period_at,
        articles.published_at is not null as is_dated
    from source_articles as articles
    left join run_starts using (run_id)
),

final as (
    select
        *,
        date_trunc('day', period_at)::date as period_day,
        date_trunc('week', period_at)::date as period_week,
        date_trunc('month', period_at)::date as period_month
    from dated
)

select * from final;
