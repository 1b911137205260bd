-- Which wire services and broadcasters are credited most, and by how many sites?
select
    original_source,
    sum(articles)::bigint as articles,
    count(distinct site) as sites
from source_mix
where original_source <> '(own reporting)'
group by original_source
order by articles desc, original_source;
