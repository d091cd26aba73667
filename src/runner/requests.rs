//! The run's requests, ready to send: each authority's route joined with
//! its paths, and its `[request]` as the shape every request carries (with
//! the credentials its URL gave, as HTTP Basic authorization).

use std::sync::Arc;

use anyhow::Context;
use http::HeaderValue;

use super::stage::Route;
use crate::engine::{ListPaths, Paths, RequestPlan, Shape, Target as Path};
use crate::scenario::{ListSource, RequestSpec, Scenario, Target};

/// The plan for one endpoint's routes (one per authority, in order).
pub fn plan(scenario: &Scenario, routes: &[Route]) -> anyhow::Result<RequestPlan> {
    let authorities: Vec<(&RequestSpec, &Target)> = match scenario.authorities.is_empty() {
        true => vec![(&scenario.request, &scenario.target)],
        false => scenario
            .authorities
            .iter()
            .map(|a| (&a.request, &a.target))
            .collect(),
    };
    let each = routes
        .iter()
        .zip(authorities)
        .map(|(route, (spec, target))| {
            let mut shape = shape(spec, target)?;
            // Plain HTTP through your proxy goes to it in absolute form: each
            // request carries the proxy's credentials (HTTPS: the CONNECT).
            if let Some(auth) = scenario.proxy.as_ref().and_then(|p| p.authorization())
                && route.url.scheme_str() == Some("http")
            {
                let value = HeaderValue::try_from(auth).context("the proxy URL's user:password")?;
                shape
                    .headers
                    .insert(http::header::PROXY_AUTHORIZATION, value);
            }
            let shape = Arc::new(shape);
            let root = format!(
                "{}://{}",
                route.url.scheme_str().unwrap_or("http"),
                route.url.authority().map_or("", |a| a.as_str())
            );
            if let Some(list) = &spec.list {
                return Ok((route.weight, listed(list, root, shape)?));
            }
            let own = route.url.path_and_query().map_or("/", |p| p.as_str());
            let paths = match spec.paths.is_empty() {
                true => vec![(own.to_string(), 1)],
                false => spec.paths.clone(),
            };
            let paths = paths
                .into_iter()
                .map(|(path, weight)| {
                    let url = format!("{root}{path}");
                    Path::new(&url, Arc::clone(&shape))
                        .map(|t| (weight, t))
                        .with_context(|| format!("cannot send to {url}"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let paths = Paths::given(paths);
            Ok((route.weight, paths))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(RequestPlan::new(each))
}

/// An authority's share of a URL list, read as requests go — the file as
/// the scenario checked it, or an error that says it changed.
fn listed(list: &ListSource, root: String, shape: Arc<Shape>) -> anyhow::Result<Paths> {
    let file = crate::redact::controls(&list.file.display().to_string()).into_owned();
    let now = crate::files::Stamp::of(&list.file).with_context(|| format!("cannot read {file}"))?;
    anyhow::ensure!(
        now == list.stamp,
        "{file} changed since the scenario was read: run again once the list is written"
    );
    let reader = ListPaths::open(&list.file, list.only.clone(), root, shape)
        .with_context(|| format!("cannot read {file}"))?;
    Ok(Paths::Listed(reader))
}

/// What every request to `target` carries.
fn shape(spec: &RequestSpec, target: &Target) -> anyhow::Result<Shape> {
    let mut headers = spec.headers.clone();
    if let Target::External {
        credentials: Some(c),
        ..
    } = target
        && !headers.contains_key(http::header::AUTHORIZATION)
    {
        let value = HeaderValue::try_from(c.header()).context("the URL's user:password")?;
        headers.insert(http::header::AUTHORIZATION, value);
    }
    Ok(Shape {
        method: spec.method.clone(),
        headers,
        body: spec.body.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Credentials;

    #[test]
    fn credentials_go_to_their_own_authority_only() -> anyhow::Result<()> {
        let spec = RequestSpec::default();
        let with = Target::External {
            url: "http://127.0.0.1:8081/".parse()?,
            credentials: Some(Credentials {
                user: "u".into(),
                password: "p".into(),
            }),
            unix: None,
        };
        let without = Target::External {
            url: "http://127.0.0.1:8082/".parse()?,
            credentials: None,
            unix: None,
        };
        let auth = |t: &Target| -> anyhow::Result<_> {
            Ok(shape(&spec, t)?
                .headers
                .get(http::header::AUTHORIZATION)
                .cloned())
        };
        assert_eq!(auth(&with)?, Some(HeaderValue::from_static("Basic dTpw")));
        assert_eq!(auth(&without)?, None);
        // A header the scenario gives wins over the URL's user:password.
        let mut own = RequestSpec::default();
        own.headers.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_static("Bearer t"),
        );
        let sent = shape(&own, &with)?.headers;
        assert_eq!(sent.get_all(http::header::AUTHORIZATION).iter().count(), 1);
        Ok(())
    }
}
