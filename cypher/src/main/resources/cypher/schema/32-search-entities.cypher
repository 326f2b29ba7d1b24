CREATE FULLTEXT INDEX search_entities IF NOT EXISTS FOR (e:Entity) ON EACH [e.id] OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words'}}
