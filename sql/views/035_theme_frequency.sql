-- theme_frequency: how many articles carry each editable theme (data/reference/themes/), per
-- day, week and month, and their share of the period's articles.
create or replace view theme_frequency as
with

articles as (
    select article_id, period_day, period_week, period_month from stg_articles
),

themes as (
    select distinct article_id, theme from article_themes
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
    select periods.grain, periods.period, themes.theme, count(*) as articles
    from periods
    inner join themes using (article_id)
    group by all
),

final as (
    select
        counts.grain,
        counts.period,
        counts.theme,
        counts.articles,
        period_totals.period_articles,
        round(counts.articles / period_totals.period_articles, 4) as share
    from counts
    inner join period_totals using (grain, period)
)

select * from final;
