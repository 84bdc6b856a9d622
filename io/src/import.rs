//! Files in: CSV files turned into the typed rows of the bulk import requests.
