-- Which topics lead the news each month, and what share of the month's articles does each take?
select
    period as month,
    topic_code,
    topic_label,
    articles,
    period_articles,
    share
from topic_frequency
where grain = 'month'
order by month desc, articles desc, topic_code;
