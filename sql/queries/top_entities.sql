-- Who and what is in the news: the 25 most mentioned people, organisations and places overall.
with

totals as (
    select
        entity_id,
        name,
        type,
        sum(articles)::bigint as articles,
        sum(mentions)::bigint as mentions
    from top_entities
    group by entity_id, name, type
)

select name, type, articles, mentions
from totals
order by articles desc, mentions desc, name
limit 25;
