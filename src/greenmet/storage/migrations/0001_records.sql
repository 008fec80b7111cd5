-- greenmet records store, migration 0001: the tables the monitoring, quality and reporting
-- issues write. Times are TIMESTAMPTZ (UTC instants); quantities carry their unit in the name.

CREATE SEQUENCE alerts_id_seq;
CREATE TABLE alerts (
    id BIGINT PRIMARY KEY DEFAULT nextval('alerts_id_seq'),
    site VARCHAR NOT NULL,
    furnace VARCHAR NOT NULL,
    tag VARCHAR,
    rule VARCHAR NOT NULL,
    severity VARCHAR NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    message_en VARCHAR NOT NULL,
    message_zh VARCHAR,
    raised_at TIMESTAMPTZ NOT NULL,
    cleared_at TIMESTAMPTZ,
    details JSON
);

CREATE SEQUENCE acknowledgements_id_seq;
CREATE TABLE acknowledgements (
    id BIGINT PRIMARY KEY DEFAULT nextval('acknowledgements_id_seq'),
    alert_id BIGINT NOT NULL REFERENCES alerts (id),
    user_name VARCHAR NOT NULL,
    acknowledged_at TIMESTAMPTZ NOT NULL,
    comment VARCHAR
);

CREATE TABLE casts (
    cast_id VARCHAR PRIMARY KEY,
    site VARCHAR NOT NULL,
    furnace VARCHAR NOT NULL,
    taphole VARCHAR,
    opened_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    hot_metal_mass_t DOUBLE CHECK (hot_metal_mass_t >= 0),
    hot_metal_temperature_degC DOUBLE,
    silicon_pct DOUBLE CHECK (silicon_pct >= 0 AND silicon_pct <= 100),
    sulphur_pct DOUBLE CHECK (sulphur_pct >= 0 AND sulphur_pct <= 100),
    slag_mass_t DOUBLE CHECK (slag_mass_t >= 0),
    notes VARCHAR
);

CREATE SEQUENCE reports_id_seq;
CREATE TABLE reports (
    id BIGINT PRIMARY KEY DEFAULT nextval('reports_id_seq'),
    kind VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    site VARCHAR,
    furnace VARCHAR,
    period_start TIMESTAMPTZ,
    period_end TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    created_by VARCHAR,
    file_path VARCHAR,
    file_format VARCHAR,
    file_sha256 VARCHAR
);

CREATE SEQUENCE audit_log_id_seq;
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id_seq'),
    occurred_at TIMESTAMPTZ NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    object_type VARCHAR,
    object_id VARCHAR,
    details JSON
);

CREATE INDEX alerts_raised_at_index ON alerts (site, furnace, raised_at);
CREATE INDEX audit_log_at_index ON audit_log (occurred_at);
