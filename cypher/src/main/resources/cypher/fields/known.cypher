// Which of these flattened keys some task or workflow of these scopes (any scope when $scopes is null) has.
MATCH (f:Field)
WHERE f.name IN $names AND ($scopes IS NULL OR f.scope IN $scopes)
RETURN DISTINCT f.name AS name
