// Registered keys starting with a prefix ('' for all), in these scopes (any when $scopes is null): close-match candidates.
MATCH (f:Field)
WHERE f.name STARTS WITH $prefix AND ($scopes IS NULL OR f.scope IN $scopes)
RETURN DISTINCT f.name AS name
LIMIT $limit
