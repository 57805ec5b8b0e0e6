//! The REST record API.

use serde_json::Value;

use crate::Client;
use crate::Error;

/// Options for reading one record.
#[derive(Clone, Debug, Default)]
pub struct GetOptions {
    /// `fields=`: only these body fields.
    pub fields: Vec<String>,
    /// `expandSubResources=true`: sublists and subrecords inline.
    pub expand_sub_resources: bool,
}

impl Client {
    /// Reads one record by internal id or `eid:EXTERNAL_ID`.
    pub async fn get_record(
        &self,
        record_type: &str,
        id: &str,
        options: &GetOptions,
    ) -> Result<Value, Error> {
        let mut url = self.endpoints().record_url(record_type, id);
        {
            let mut q = url.query_pairs_mut();
            if !options.fields.is_empty() {
                q.append_pair("fields", &options.fields.join(","));
            }
            if options.expand_sub_resources {
                q.append_pair("expandSubResources", "true");
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        self.get_json(url).await
    }
}
