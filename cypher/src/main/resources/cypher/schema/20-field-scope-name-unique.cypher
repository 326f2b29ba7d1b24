CREATE CONSTRAINT field_scope_name_unique IF NOT EXISTS FOR (f:Field) REQUIRE (f.scope, f.name) IS UNIQUE
