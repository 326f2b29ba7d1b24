// Entities whose id matches the Lucene query $q, best first, at most $limit.
CALL db.index.fulltext.queryNodes('search_entities', $q, {limit: $limit}) YIELD node AS e, score
RETURN e.id AS id, e.type AS type, score
