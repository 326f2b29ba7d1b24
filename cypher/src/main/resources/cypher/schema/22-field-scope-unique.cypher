CREATE CONSTRAINT field_scope_unique IF NOT EXISTS FOR (s:FieldScope) REQUIRE s.scope IS UNIQUE
