-- Who appears together in the news: the entity pairs mentioned in the most articles, all time.
select
    entity_a,
    entity_a_type,
    entity_b,
    entity_b_type,
    sum(articles)::bigint as articles
from entity_cooccurrence
group by all
order by articles desc, entity_a, entity_b
limit 25;
