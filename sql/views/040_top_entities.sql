-- top_entities: the most mentioned people, organisations and places, overall and per month
-- and site. One row per (period_month, site, entity); `articles` counts distinct articles
-- that mention the entity, `mentions` counts every mention. Roll up with sum() for totals.
create or replace view top_entities as
with

articles as (
    select article_id, period_month, coalesce(site, '(unknown site)') as site
    from stg_articles
),

mentions as (
    select * from entity_mentions
),

source_entities as (
    select * from entities
),

counts as (
    select
        articles.period_month,
        articles.site,
        mentions.entity_id,
        count(distinct mentions.article_id) as articles,
        count(*) as mentions
    from mentions
    inner join articles using (article_id)
    group by articles.period_month, articles.site, mentions.entity_id
),

final as (
    select
        counts.period_month,
        counts.site,
        entities.entity_id,
        entities.name,
        entities.type,
        counts.articles,
        counts.mentions
    from counts
    inner join source_entities as entities using (entity_id)
)

select * from final;
