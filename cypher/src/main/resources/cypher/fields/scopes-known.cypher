// Whether any of these scopes has registered a field (a campaign that has none is checked as any campaign).
RETURN EXISTS { MATCH (f:Field) WHERE f.scope IN $scopes } AS known
