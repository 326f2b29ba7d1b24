// Whether the store has tasks or workflows but no field registry yet (a store from before it existed).
RETURN NOT EXISTS { MATCH (:Field) }
       AND (EXISTS { MATCH (t:Task) WHERE t._json IS NOT NULL }
            OR EXISTS { MATCH (w:Workflow) WHERE w._json IS NOT NULL }) AS needed
