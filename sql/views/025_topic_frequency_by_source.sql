-- topic_frequency_by_source: topic counts per period (day, week, month) for each site and
-- each original source, with the share of that site's (or source's) articles in the period.
-- `dimension` is 'site' or 'original_source'; `source` holds its value.
create or replace view topic_frequency_by_source as
with

articles as (
    select
        article_id,
        coalesce(site, '(unknown site)') as site,
        coalesce(original_source, '(own reporting)') as original_source,
        period_day,
        period_week,
        period_month
    from stg_articles
),

primary_topics as (
    select article_id, top_level_code as topic_code
    from article_topics
    where is_primary
),

labels as (
    select distinct topic_code, topic_label
    from article_topics
    where topic_code = top_level_code
),

by_dimension as (
    select article_id, 'site' as dimension, site as source, period_day, period_week,
        period_month
    from articles
    union all
    select article_id, 'original_source' as dimension, original_source as source, period_day,
        period_week, period_month
    from articles
),

periods as (
    select article_id, dimension, source, 'day' as grain, period_day as period
    from by_dimension
    union all
    select article_id, dimension, source, 'week' as grain, period_week as period
    from by_dimension
    union all
    select article_id, dimension, source, 'month' as grain, period_month as period
    from by_dimension
),

totals as (
    select dimension, source, grain, period, count(*) as source_articles
    from periods
    group by all
),

counts as (
    select
        periods.dimension,
        periods.source,
        periods.grain,
        periods.period,
        primary_topics.topic_code,
        count(*) as articles
    from periods
    inner join primary_topics using (article_id)
    group by all
),

final as (
    select
        counts.dimension,
        counts.source,
        counts.grain,
        counts.period,
        counts.topic_code,
        labels.topic_label,
        counts.articles,
        totals.source_articles,
        round(counts.articles / totals.source_articles, 4) as share
    from counts
    inner join totals using (dimension, source, grain, period)
    left join labels using (topic_code)
)

select * from final;
