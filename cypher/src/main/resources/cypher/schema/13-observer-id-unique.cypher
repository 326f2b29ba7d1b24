CREATE CONSTRAINT observer_id_unique IF NOT EXISTS FOR (o:Observer) REQUIRE o.observer_id IS UNIQUE
