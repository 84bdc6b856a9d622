DROP TABLE layouts;
DROP TABLE chosen_columns;
DROP TABLE saved_views;
