-- greenmet records store, migration 0004: what report queries over past periods need (issue 14
-- §6). Additive to 0001's reports: the language of the file, the shift number of a shift report
-- (NULL for a day), and the report's key figures as JSON (production, rates, hot-metal means,
-- alerts, health score and grade), so that past periods can be listed and compared without
-- opening the files. One row per file written (a report in two languages and two formats is
-- four rows sharing kind, site, furnace and period).

ALTER TABLE reports ADD COLUMN language VARCHAR;
ALTER TABLE reports ADD COLUMN shift_number INTEGER;
ALTER TABLE reports ADD COLUMN summary JSON;

CREATE INDEX reports_period_index ON reports (site, furnace, kind, period_start);
