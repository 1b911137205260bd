-- topic_frequency: how many articles each top-level IPTC topic leads, per day, week and month,
-- and their share of the period's articles. One row per (grain, period, topic).
-- `articles` counts articles whose primary topic is under this top-level subject;
-- `articles_any` counts articles that carry the subject at all (primary or secondary).
create or replace view topic_frequency as
with

articles as (
    select * from stg_articles
),

topics as (
    select * from article_topics
),

article_subjects as (
    -- one row per article and top-level subject it carries
    select
        article_id,
        top_level_code,
        bool_or(is_primary) as is_primary
    from topics
    group by article_id, top_level_code
),

labels as (
    select distinct topic_code as top_level_code, topic_label as top_level_label
    from topics
    where topic_code = top_level_code
),

periods as (
    select article_id, 'day' as grain, period_day as period from articles
    union all
    select article_id, 'week' as grain, period_week as period from articles
    union all
    select article_id, 'month' as grain, period_month as period from articles
),

period_totals as (
    select grain, period, count(*) as period_articles
    from periods
    group by grain, period
),

counts as (
    select
        periods.grain,
        periods.period,
        article_subjects.top_level_code as topic_code,
        count(*) filter (where article_subjects.is_primary) as articles,
        count(*) as articles_any
    from periods
    inner join article_subjects using (article_id)
    group by periods.grain, periods.period, article_subjects.top_level_code
),

final as (
    select
        counts.grain,
        counts.period,
        counts.topic_code,
        labels.top_level_label as topic_label,
        counts.articles,
        counts.articles_any,
        period_totals.period_articles,
        round(counts.articles / period_totals.period_articles, 4) as share,
        round(counts.articles_any / period_totals.period_articles, 4) as share_any
    from counts
    inner join period_totals using (grain, period)
    left join labels on labels.top_level_code = counts.topic_code
)

select * from final;
