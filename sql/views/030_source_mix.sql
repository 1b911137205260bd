-- source_mix: which sites publish, which original sources (wires, broadcasters) they credit,
-- and how much of each site is syndicated. One row per (site, original_source);
-- `share` is the pair's share of the site's articles, `site_syndicated_share` the share of
-- the site's articles that are syndicated copies (credited to another outlet or first seen
-- on another site).
create or replace view source_mix as
with

articles as (
    select
        coalesce(site, '(unknown site)') as site,
        coalesce(original_source, '(own reporting)') as original_source,
        is_syndicated
    from stg_articles
),

per_site as (
    select
        site,
        count(*) as site_articles,
        count(*) filter (where is_syndicated) as site_syndicated
    from articles
    group by site
),

pairs as (
    select
        site,
        original_source,
        count(*) as articles,
        count(*) filter (where is_syndicated) as syndicated
    from articles
    group by site, original_source
),

final as (
    select
        pairs.site,
        pairs.original_source,
        pairs.articles,
        round(pairs.articles / per_site.site_articles, 4) as share,
        pairs.syndicated,
        round(pairs.syndicated / pairs.articles, 4) as syndicated_share,
        per_site.site_articles,
        round(per_site.site_syndicated / per_site.site_articles, 4) as site_syndicated_share
    from pairs
    inner join per_site using (site)
)

select * from final;
