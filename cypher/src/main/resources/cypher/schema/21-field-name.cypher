CREATE INDEX field_name IF NOT EXISTS FOR (f:Field) ON (f.name)
