-- Where does each site's content come from: own reporting or which wires and broadcasters, and how much is syndicated?
select
    site,
    original_source,
    articles,
    share,
    syndicated_share,
    site_articles,
    site_syndicated_share
from source_mix
order by site_articles desc, site, articles desc, original_source;
