//! `netsuite record ...`

use anyhow::Result;
use netsuite_client::record::GetOptions;

use crate::cli::RecordCommand;
use crate::config::Config;
use crate::output;

pub async fn run(cmd: RecordCommand, profile: Option<&str>) -> Result<()> {
    match cmd {
        RecordCommand::Get {
            record_type,
            id,
            fields,
            expand_sub_resources,
        } => {
            let config = Config::load()?;
            let (name, p) = config.resolve(profile)?;
            let client = super::client_for(&config, &name, p)?;
            let options = GetOptions {
                fields,
                expand_sub_resources,
            };
            let record = client.get_record(&record_type, &id, &options).await?;
            output::json(&record)
        }
    }
}
