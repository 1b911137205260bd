-- entity_cooccurrence: pairs of entities mentioned in the same article, per month.
-- One row per (period_month, entity pair) with entity_a's name sorting before entity_b's;
-- `articles` counts the articles that mention both.
create or replace view entity_cooccurrence as
with

article_entities as (
    select distinct
        mentions.article_id,
        mentions.entity_id
    from entity_mentions as mentions
),

articles as (
    select article_id, period_month from stg_articles
),

named as (
    select
        article_entities.article_id,
        articles.period_month,
        entities.entity_id,
        entities.name,
        entities.type
    from article_entities
    inner join articles using (article_id)
    inner join entities using (entity_id)
),

pairs as (
    select
        a.period_month,
        a.entity_id as entity_a_id,
        a.name as entity_a,
        a.type as entity_a_type,
        b.entity_id as entity_b_id,
        b.name as entity_b,
        b.type as entity_b_type,
        count(*) as articles
    from named as a
    inner join named as b
        on a.article_id = b.article_id and a.name < b.name
    group by all
)

select * from pairs;
