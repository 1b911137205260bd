-- newsdesk warehouse tables. Applied by `newsdesk.warehouse` on every open (idempotent).
-- Load behaviour per table (dlt's words): what a run does to it, and on which key.
--   files              merge   on source_path (the incremental manifest)
--   runs               append  one row per run
--   articles           delete-insert by source_path (a changed file replaces its records)
--   entities           merge   on entity_id (insert new, keep existing)
--   entity_mentions    delete-insert with their articles
--   article_topics     delete-insert with their articles
--   article_signatures delete-insert with their articles
--   article_themes     delete-insert with their articles; replaced whole by `newsdesk retag`
--   duplicates         delete-insert by source_path
--   quarantine         delete-insert by source_path
--   validation_results append  one row per expectation per run
--   site_furniture     merge   on (site, line), adding this run's counts

create table if not exists runs (
    run_id              varchar primary key,
    started_at          timestamptz not null,
    finished_at         timestamptz,
    status              varchar not null,      -- completed | failed_checks
    records_in          bigint not null,
    loaded              bigint not null,
    duplicates          bigint not null,
    quarantined         bigint not null,
    files_seen          bigint not null,
    files_processed     bigint not null,
    files_skipped       bigint not null,
    code_version        varchar not null,
    inputs              varchar,               -- the PATH arguments, JSON list
    prefect_flow_run_id varchar,
    parquet_exported    boolean not null default false,
    records_skipped     varchar                -- JSON {kind: n}: container records that are no
                                               -- articles (WARC requests, non-HTML responses)
);
-- added after the first release: warehouses created before it gain the column here
alter table runs add column if not exists records_skipped varchar;

create table if not exists files (
    source_path  varchar primary key,          -- the input file's path as given
    size_bytes   bigint not null,
    mtime_ns     bigint not null,
    file_hash    varchar not null,              -- sha256 of the bytes
    records_in   bigint not null,
    run_id       varchar not null,              -- run that last loaded it
    loaded_at    timestamptz not null
);

create table if not exists articles (
    article_id      varchar primary key,
    source_path     varchar not null,
    record_key      varchar not null,
    url             varchar,
    site            varchar,
    title           varchar,
    author          varchar,
    published_at    timestamptz,
    language        varchar,
    body            varchar not null,
    word_count      bigint not null,
    view_count      bigint,
    original_source varchar,
    is_syndicated   boolean not null,
    content_hash    varchar not null,
    run_id          varchar not null,
    is_desk_byline  boolean,
    comment_count   bigint,
    dateline_place  varchar,
    cluster_id      varchar,
    date_note       varchar,
    file_hash       varchar,
    extra           varchar,
    code_version    varchar
);

create table if not exists entities (
    entity_id varchar primary key,
    name      varchar not null,
    type      varchar not null,                 -- PERSON | ORG | LOC
    qid       varchar                           -- Wikidata QID, where known
);

create table if not exists entity_mentions (
    article_id varchar not null,
    entity_id  varchar not null,
    surface    varchar not null,
    start_char bigint not null,                 -- 0-based code-point offset into articles.body
    end_char   bigint not null                  -- exclusive
);

create table if not exists article_signatures (
    article_id   varchar primary key,           -- MinHash of the body, for near-duplicates
    site         varchar,
    published_at timestamptz,
    cluster_id   varchar,
    minhash      uinteger[]
);

create table if not exists article_topics (
    article_id     varchar not null,
    topic_code     varchar not null,            -- medtop:NNNNNNNN
    topic_label    varchar,
    top_level_code varchar not null,
    score          double not null,
    is_primary     boolean not null
);

create table if not exists article_themes (
    article_id    varchar not null,             -- editable themes: data/reference/themes/
    theme         varchar not null,
    score         double not null,
    matched_terms varchar[] not null
);

create table if not exists site_furniture (
    site varchar not null,                      -- per-site profile learnt across runs:
    line varchar not null,                      -- a normalised short line of its pages
    docs bigint not null,                       -- how many dumps of the site held it
    primary key (site, line)
);

create table if not exists quarantine (
    run_id      varchar not null,
    source_path varchar not null,
    record_key  varchar not null,
    stage       varchar not null,               -- read | extract | normalise | validate
    reason      varchar not null,
    raw         varchar
);

create table if not exists duplicates (
    run_id       varchar not null,
    source_path  varchar not null,
    record_key   varchar not null,
    article_id   varchar,
    duplicate_of varchar,
    reason       varchar not null
);

create table if not exists validation_results (
    run_id           varchar not null,
    suite            varchar not null,
    expectation      varchar not null,
    "column"         varchar,
    success          boolean not null,
    unexpected_count bigint,
    severity         varchar not null,
    observed_value   varchar
);
