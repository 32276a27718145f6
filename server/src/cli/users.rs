//! `opsdeck user create`: how the first admin (and scripted accounts) come to be.

use std::io::Read;

use anyhow::Context;

use app::audit::ssr::{Actor, ClientInfo};
use app::users::ssr::manage::generate_password;
use app::users::ssr::{NewUser, create_user};

use crate::config::Config;
use crate::startup::Application;

pub struct CreateUser {
    pub email: String,
    pub role: String,
    pub name: Option<String>,
    pub skip_if_exists: bool,
}

pub async fn create(config: Config, args: CreateUser) -> anyhow::Result<()> {
    let state = Application::state_for_cli(config).await?;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading the password from stdin")?;
    let given = input.trim_end_matches(['\n', '\r']).to_string();
    let generated = given.is_empty();
    let password = if generated { generate_password() } else { given };

    let new = NewUser::parse(
        &args.email,
        args.name.as_deref().unwrap_or(""),
        &args.role,
        password.clone(),
    )
    .map_err(|error| anyhow::anyhow!("{error}"))?;
    let actor = Actor::cli();
    let client = ClientInfo::cli("opsdeck user create");
    match create_user(&state, actor, client, new).await {
        Ok(user) => {
            println!("created user {} <{}> with role {}", user.id, user.email, user.role);
            if generated {
                println!("generated password: {password}");
            }
            Ok(())
        }
        Err(app::error::AppError::Conflict(_)) if args.skip_if_exists => {
            println!(
                "a user with email {} already exists; nothing created",
                args.email.trim()
            );
            Ok(())
        }
        Err(error) => Err(anyhow::anyhow!("{error}")),
    }
}
