CREATE FULLTEXT INDEX search_workflows IF NOT EXISTS FOR (w:Workflow) ON EACH [w.workflow_id, w.name] OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words'}}
