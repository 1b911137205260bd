-- Why were records held back, at which stage, and how many per reason (latest state of every input)?
select
    stage,
    reason,
    count(*) as records,
    min(source_path) as example_source_path
from quarantine
group by stage, reason
order by records desc, stage, reason;
