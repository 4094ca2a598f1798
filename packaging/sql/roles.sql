-- sessiontail: least privilege in the database. Run as a superuser (or the database's owner) in the
-- database the agents ship to, once the first agent has created its table (after its first start):
--
--   psql -d sessiontail -v agent=sessiontail -v analyst=analyst -v table=sessions \
--        -f /usr/share/sessiontail/roles.sql
--
-- The agent role may connect, create its own tables in schema public (the sessions table, its ledger
-- of applied fragments, sessiontail_schema, the view without addresses) and use only those: it owns
-- them, and is granted nothing else. The analyst role may read the sessions table and the view
-- <table>_without_ip, and nothing else; grant only the view to analysts who need no address.
-- Each role is created when absent, without a password: set one (\password), or use peer
-- authentication over the Unix socket. Run again after a new postgres.table.

\set ON_ERROR_STOP on
\if :{?agent}
\else
    \set agent sessiontail
\endif
\if :{?analyst}
\else
    \set analyst sessiontail_analyst
\endif
\if :{?table}
\else
    \set table sessions
\endif

SELECT format('CREATE ROLE %I LOGIN', :'agent')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'agent') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'analyst')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'analyst') \gexec

SELECT format('GRANT CONNECT ON DATABASE %I TO %I, %I', current_database(), :'agent', :'analyst') \gexec
GRANT USAGE, CREATE ON SCHEMA public TO :"agent";
GRANT USAGE ON SCHEMA public TO :"analyst";
-- The agents' schema registry, when another role created it: the agent reads and records its table there.
SELECT format('GRANT SELECT, INSERT, UPDATE ON TABLE sessiontail_schema TO %I', :'agent')
WHERE to_regclass('sessiontail_schema') IS NOT NULL \gexec

-- The analyst reads; it never writes, and reads nothing else of the agent's. Before the agent's first
-- start there is no table to grant yet: run this file again after it.
SELECT to_regclass(:'table') IS NULL AS missing \gset
\if :missing
    \echo 'roles.sql: no table' :'table' 'yet: start the agent once, then run this file again to grant the analyst'
\else
    SELECT format('GRANT SELECT ON TABLE %I, %I TO %I', :'table', :'table' || '_without_ip', :'analyst') \gexec
\endif
