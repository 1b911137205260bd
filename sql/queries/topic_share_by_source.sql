-- What does each outlet cover: the share of each site's articles led by each topic (all time)?
with

articles as (
    select coalesce(site, '(unknown site)') as site, article_id
    from stg_articles
),

primary_topics as (
    select article_id, topic_code, topic_label
    from article_topics
    where is_primary
),

site_totals as (
    select site, count(*) as site_articles from articles group by site
),

counts as (
    select articles.site, primary_topics.topic_label, count(*) as articles
    from articles
    inner join primary_topics using (article_id)
    group by all
)

select
    counts.site,
    counts.topic_label,
    counts.articles,
    site_totals.site_articles,
    round(counts.articles / site_totals.site_articles, 4) as share
from counts
inner join site_totals using (site)
order by site_totals.site_articles desc, counts.site, share desc, counts.topic_label;
