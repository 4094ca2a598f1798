-- A sessions table as sessiontail 0.1 (schema version 1) created and filled it: pg_dump of a table that
-- `sessiontail sessionize --output postgres` of shipped-by-0.1.log wrote, renamed sessions_v01.
DROP TABLE IF EXISTS public.sessions_v01, public.sessions_v01_applied CASCADE;
CREATE TABLE IF NOT EXISTS public.sessiontail_schema (
    table_name text PRIMARY KEY,
    version integer NOT NULL,
    gap_ms bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    migrated_at timestamp with time zone DEFAULT now() NOT NULL
);
DELETE FROM public.sessiontail_schema WHERE table_name = 'sessions_v01';
INSERT INTO public.sessiontail_schema (table_name, version, gap_ms) VALUES ('sessions_v01', 1, 300000);
CREATE TABLE public.sessions_v01 (
    host text NOT NULL,
    ip text NOT NULL,
    session_start timestamp with time zone NOT NULL,
    session_end timestamp with time zone NOT NULL,
    event_count bigint NOT NULL,
    bytes bigint NOT NULL,
    landing_path text,
    referrer text,
    user_agent text,
    error_count bigint NOT NULL,
    client inet,
    CONSTRAINT sessions_check CHECK ((session_end >= session_start))
);

CREATE TABLE public.sessions_v01_applied (
    fragment_id uuid NOT NULL,
    agent_id text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

COPY public.sessions_v01 (host, ip, session_start, session_end, event_count, bytes, landing_path, referrer, user_agent, error_count, client) FROM stdin;
upgrade.example	10.8.0.0	2023-11-14 22:13:20+00	2023-11-14 22:15:20+00	3	3000	/page/0.html	https://search.example/	Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36	0	10.8.0.0
upgrade.example	10.8.0.1	2023-11-14 22:13:27+00	2023-11-14 22:15:27+00	3	3000	/page/0.html	https://search.example/	Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36	0	10.8.0.1
upgrade.example	10.8.0.2	2023-11-14 22:13:34+00	2023-11-14 22:15:34+00	3	3000	/page/0.html	https://search.example/	Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36	0	10.8.0.2
upgrade.example	10.8.0.3	2023-11-14 22:13:41+00	2023-11-14 22:15:41+00	3	3000	/page/0.html	https://search.example/	Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36	0	10.8.0.3
\.

COPY public.sessions_v01_applied (fragment_id, agent_id, applied_at) FROM stdin;
018bcfe7-3cc0-87b5-9156-6abe261fd695	old-agent	2026-12-01 13:36:23.437588+00
018bcfe7-5818-8275-bdc5-6490d62b06b0	old-agent	2026-12-01 13:36:23.437588+00
018bcfe7-7370-8aa8-8b18-71d22aec5bce	old-agent	2026-12-01 13:36:23.437588+00
018bcfe7-8ec8-8ca9-8011-6422a31cd02c	old-agent	2026-12-01 13:36:23.437588+00
\.

ALTER TABLE ONLY public.sessions_v01_applied ADD CONSTRAINT sessions_v01_applied_pkey PRIMARY KEY (fragment_id);
CREATE INDEX sessions_v01_host_start ON public.sessions_v01 USING btree (host, session_start);
CREATE INDEX sessions_v01_key_end ON public.sessions_v01 USING btree (host, ip, session_end);
