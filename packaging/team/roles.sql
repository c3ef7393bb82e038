-- Least-privilege roles for a team desk (docs/TEAM.md). Run once as the database owner:
--     psql "postgresql://admin@db.desk.lan/deskapp" -f packaging/team/roles.sql
-- then give each LOGIN role its password with psql's \password ROLE (it is sent hashed and
-- never appears in a process list, a shell history or a server log line).
--
-- market  : the collector owns it and is the only writer; desks read it (and LISTEN).
-- journal : desks add decisions and outcomes; nobody but the owner changes or drops them.

CREATE ROLE deskapp_collector LOGIN;          -- the collector process(es)
CREATE ROLE deskapp_desk NOLOGIN;             -- the traders' group
-- One login per trader, e.g.:  CREATE ROLE alice LOGIN IN ROLE deskapp_desk;

REVOKE ALL ON DATABASE deskapp FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE deskapp TO deskapp_collector;
GRANT CONNECT ON DATABASE deskapp TO deskapp_desk;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA market AUTHORIZATION deskapp_collector;
GRANT USAGE ON SCHEMA market TO deskapp_desk;
-- The collector creates the market tables on its first start: desks may read whatever it creates.
ALTER DEFAULT PRIVILEGES FOR ROLE deskapp_collector IN SCHEMA market
    GRANT SELECT ON TABLES TO deskapp_desk;

CREATE SCHEMA journal;                         -- owned by the database owner
GRANT USAGE ON SCHEMA journal TO deskapp_desk;
ALTER DEFAULT PRIVILEGES IN SCHEMA journal GRANT SELECT, INSERT ON TABLES TO deskapp_desk;
-- The journal's tables are created once by the owner (docs/TEAM.md, step 2); desks then add
-- decisions and outcomes (INSERT ... ON CONFLICT DO NOTHING) and read them, nothing more.
