-- Which topics are rising fastest: share of the latest week's articles vs the average of the four weeks before?
with

weekly as (
    select period, topic_code, topic_label, share
    from topic_frequency
    where grain = 'week'
),

weeks as (
    select distinct period from weekly
),

ranked as (
    select period, row_number() over (order by period desc) as weeks_ago_plus_one
    from weeks
),

latest as (
    select weekly.topic_code, weekly.topic_label, weekly.share as latest_share
    from weekly
    inner join ranked using (period)
    where ranked.weeks_ago_plus_one = 1
),

before as (
    select weekly.topic_code, sum(weekly.share) / 4 as previous_share
    from weekly
    inner join ranked using (period)
    where ranked.weeks_ago_plus_one between 2 and 5
    group by weekly.topic_code
)

select
    latest.topic_code,
    latest.topic_label,
    latest.latest_share,
    coalesce(before.previous_share, 0) as previous_share,
    round(latest.latest_share - coalesce(before.previous_share, 0), 4) as change
from latest
left join before using (topic_code)
order by change desc, latest.topic_code;
