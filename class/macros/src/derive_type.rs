//! `#[derive(Type)]`: a struct or enum as a TypeScript `type` alias, shaped as serde writes it
//! (`rename`, `rename_all`, `tag`, `content`, `untagged`, `transparent`, `skip`), in the subset
//! Genezio's SDK generator reads. What it cannot write (tuples, generics, `flatten`, keys that are
//! not identifiers) is a compile error naming the type or field.

use proc_macro2::{Span, TokenStream as Tokens};
use quote::quote;
use syn::{Attribute, Data, DeriveInput, Error, Fields, LitStr, Type};

/// serde's options that change the JSON's shape.
#[derive(Default)]
struct Serde {
    rename: Option<String>,
    rename_all: Option<String>,
    tag: Option<String>,
    content: Option<String>,
    untagged: bool,
    transparent: bool,
    skip: bool,
    flatten: bool,
    custom: Option<&'static str>,
}

fn serde_options(attrs: &[Attribute]) -> syn::Result<Serde> {
    let mut options = Serde::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            let text = |meta: &syn::meta::ParseNestedMeta| -> syn::Result<String> {
                Ok(meta.value()?.parse::<LitStr>()?.value())
            };
            let name = meta
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            match name.as_str() {
                "rename" => options.rename = Some(text(&meta)?),
                "rename_all" => options.rename_all = Some(text(&meta)?),
                "tag" => options.tag = Some(text(&meta)?),
                "content" => options.content = Some(text(&meta)?),
                "untagged" => options.untagged = true,
                "transparent" => options.transparent = true,
                "skip" | "skip_serializing" | "skip_deserializing" => options.skip = true,
                "flatten" => options.flatten = true,
                "with" | "serialize_with" | "deserialize_with" | "remote" | "into" | "from"
                | "try_from" => {
                    options.custom = Some(match name.as_str() {
                        "with" => "with",
                        "serialize_with" => "serialize_with",
                        "deserialize_with" => "deserialize_with",
                        "remote" => "remote",
                        "into" => "into",
                        "from" => "from",
                        _ => "try_from",
                    });
                    let _ = meta.value()?.parse::<syn::Expr>()?;
                }
                _ => {
                    // Options that do not change the shape (default, deny_unknown_fields, ...).
                    if meta.input.peek(syn::Token![=]) {
                        let _ = meta.value()?.parse::<syn::Expr>()?;
                    } else if meta.input.peek(syn::token::Paren) {
                        let _content;
                        syn::parenthesized!(_content in meta.input);
                    }
                }
            }
            Ok(())
        })?;
    }
    Ok(options)
}

/// A name as serde's `rename_all` writes it.
fn rename(name: &str, rule: Option<&str>, span: Span) -> syn::Result<String> {
    let Some(rule) = rule else {
        return Ok(name.to_owned());
    };
    // Words of a Rust name: `PascalCase` variants or `snake_case` fields.
    let mut words: Vec<String> = Vec::new();
    for part in name.split('_').filter(|p| !p.is_empty()) {
        let mut word = String::new();
        for c in part.chars() {
            if c.is_uppercase() && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            word.push(c);
        }
        words.push(word);
    }
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let capital = |w: &String| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    Ok(match rule {
        "lowercase" => name.to_lowercase(),
        "UPPERCASE" => name.to_uppercase(),
        "PascalCase" => lower.iter().map(capital).collect(),
        "camelCase" => lower
            .iter()
            .enumerate()
            .map(|(i, w)| if i == 0 { w.clone() } else { capital(w) })
            .collect(),
        "snake_case" => lower.join("_"),
        "SCREAMING_SNAKE_CASE" => lower.join("_").to_uppercase(),
        "kebab-case" => lower.join("-"),
        "SCREAMING-KEBAB-CASE" => lower.join("-").to_uppercase(),
        other => {
            return Err(Error::new(
                span,
                format!("gzrs: unknown rename_all rule {other:?}"),
            ))
        }
    })
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Code that appends to `out` (a `String`), piece by piece.
#[derive(Default)]
struct Writer {
    code: Vec<Tokens>,
    types: Vec<Type>,
}

impl Writer {
    fn text(&mut self, text: &str) {
        self.code.push(quote!(out.push_str(#text);));
    }
    fn ty(&mut self, ty: &Type) {
        self.code
            .push(quote!(out.push_str(&<#ty as ::gzrs_class::Type>::ts());));
        self.types.push(ty.clone());
    }
    fn key(&mut self, key: &str, owner: &str, span: Span) -> syn::Result<()> {
        if !is_identifier(key) {
            return Err(Error::new(
                span,
                format!("gzrs: Genezio's SDK cannot declare the property {key:?} of {owner} (it reads only identifiers as keys): rename it with #[serde(rename = \"...\")]"),
            ));
        }
        self.text(key);
        self.text(": ");
        Ok(())
    }
    /// `{ a: A, b: B }` for named fields (serde's skipped ones left out); `leading` are
    /// properties written first (a tag).
    fn object(
        &mut self,
        fields: &syn::FieldsNamed,
        rule: Option<&str>,
        owner: &str,
        leading: Option<(&str, &str)>,
    ) -> syn::Result<()> {
        self.text("{ ");
        let mut first = true;
        if let Some((tag, value)) = leading {
            self.key(tag, owner, Span::call_site())?;
            self.text(&format!("{value:?}"));
            first = false;
        }
        for field in &fields.named {
            let options = serde_options(&field.attrs)?;
            let ident = field.ident.as_ref().expect("named");
            if options.skip {
                continue;
            }
            if options.flatten {
                return Err(Error::new_spanned(
                    ident,
                    format!("gzrs: Genezio's SDK cannot declare #[serde(flatten)] (field `{ident}` of {owner})"),
                ));
            }
            if let Some(custom) = options.custom {
                return Err(Error::new_spanned(
                    ident,
                    format!("gzrs: field `{ident}` of {owner} has #[serde({custom})], so gzrs cannot know its JSON's shape"),
                ));
            }
            let name = match options.rename {
                Some(name) => name,
                None => rename(&ident.to_string(), rule, ident.span())?,
            };
            if !first {
                self.text(", ");
            }
            first = false;
            self.key(&name, owner, ident.span())?;
            self.ty(&field.ty);
        }
        self.text(" }");
        Ok(())
    }
}

pub fn derive(input: DeriveInput) -> syn::Result<Tokens> {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(Error::new_spanned(
            &input.generics,
            format!("gzrs: {ident} is generic, and Genezio's SDK declares no generic types"),
        ));
    }
    let options = serde_options(&input.attrs)?;
    let name = options.rename.clone().unwrap_or_else(|| ident.to_string());
    if !is_identifier(&name) {
        return Err(Error::new_spanned(
            ident,
            format!("gzrs: {name:?} is not a TypeScript type name"),
        ));
    }
    let rule = options.rename_all.as_deref();
    // A newtype is written as what it wraps, with no name of its own: Genezio's SDK generator
    // refuses an alias of a plain type (`type Id = number`).
    let wrapped = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) if options.transparent && fields.named.len() == 1 => {
                Some(fields.named[0].ty.clone())
            }
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                Some(fields.unnamed[0].ty.clone())
            }
            Fields::Unit => Some(syn::parse_quote!(())),
            _ => None,
        },
        _ => None,
    };
    if let Some(inner) = wrapped {
        return Ok(quote! {
            impl ::gzrs_class::Type for #ident {
                fn ts() -> ::std::string::String {
                    <#inner as ::gzrs_class::Type>::ts()
                }
                fn declare(declarations: &mut ::gzrs_class::Declarations) {
                    <#inner as ::gzrs_class::Type>::declare(declarations)
                }
            }
        });
    }
    let mut w = Writer::default();
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) if !options.transparent => w.object(fields, rule, &name, None)?,
            _ => {
                return Err(Error::new_spanned(
                    ident,
                    format!("gzrs: {ident} is a tuple, which Genezio's SDK turns into `any`: give its fields names"),
                ))
            }
        },
        Data::Enum(data) => {
            if data.variants.is_empty() {
                return Err(Error::new_spanned(ident, format!("gzrs: {ident} has no variants")));
            }
            let mut first = true;
            for variant in &data.variants {
                let v = serde_options(&variant.attrs)?;
                if v.skip {
                    continue;
                }
                if !first {
                    w.text(" | ");
                }
                first = false;
                let tag_value = match v.rename {
                    Some(name) => name,
                    None => rename(&variant.ident.to_string(), rule, variant.ident.span())?,
                };
                let owner = format!("{ident}::{}", variant.ident);
                let newtype = match &variant.fields {
                    Fields::Unnamed(f) if f.unnamed.len() == 1 => Some(&f.unnamed[0].ty),
                    Fields::Unnamed(_) => {
                        return Err(Error::new_spanned(
                            &variant.ident,
                            format!("gzrs: {owner} holds a tuple, which Genezio's SDK turns into `any`: give its fields names"),
                        ))
                    }
                    _ => None,
                };
                match (&options.tag, &options.content, options.untagged) {
                    (_, _, true) => match (&variant.fields, newtype) {
                        (Fields::Unit, _) => w.text("null"),
                        (_, Some(ty)) => w.ty(ty),
                        (Fields::Named(fields), _) => {
                            w.object(fields, v.rename_all.as_deref(), &owner, None)?
                        }
                        _ => unreachable!("tuples refused above"),
                    },
                    (Some(tag), Some(content), false) => {
                        w.text("{ ");
                        w.key(tag, &name, variant.ident.span())?;
                        w.text(&format!("{tag_value:?}"));
                        match (&variant.fields, newtype) {
                            (Fields::Unit, _) => {}
                            (_, Some(ty)) => {
                                w.text(", ");
                                w.key(content, &name, variant.ident.span())?;
                                w.ty(ty);
                            }
                            (Fields::Named(fields), _) => {
                                w.text(", ");
                                w.key(content, &name, variant.ident.span())?;
                                w.object(fields, v.rename_all.as_deref(), &owner, None)?;
                            }
                            _ => unreachable!("tuples refused above"),
                        }
                        w.text(" }");
                    }
                    (Some(tag), None, false) => match (&variant.fields, newtype) {
                        (Fields::Unit, _) => {
                            w.text("{ ");
                            w.key(tag, &name, variant.ident.span())?;
                            w.text(&format!("{tag_value:?} }}"));
                        }
                        (Fields::Named(fields), _) => {
                            w.object(fields, v.rename_all.as_deref(), &owner, Some((tag, &tag_value)))?
                        }
                        _ => {
                            return Err(Error::new_spanned(
                                &variant.ident,
                                format!("gzrs: {owner} wraps a type inside an internally tagged enum, which gzrs cannot declare: give the variant named fields, or use #[serde(tag = \"...\", content = \"...\")]"),
                            ))
                        }
                    },
                    (None, Some(_), false) => {
                        return Err(Error::new_spanned(ident, "gzrs: serde's `content` needs `tag`"))
                    }
                    (None, None, false) => match (&variant.fields, newtype) {
                        (Fields::Unit, _) => w.text(&format!("{tag_value:?}")),
                        (_, Some(ty)) => {
                            w.text("{ ");
                            w.key(&tag_value, &name, variant.ident.span())?;
                            w.ty(ty);
                            w.text(" }");
                        }
                        (Fields::Named(fields), _) => {
                            w.text("{ ");
                            w.key(&tag_value, &name, variant.ident.span())?;
                            w.object(fields, v.rename_all.as_deref(), &owner, None)?;
                            w.text(" }");
                        }
                        _ => unreachable!("tuples refused above"),
                    },
                }
            }
        }
        Data::Union(_) => {
            return Err(Error::new_spanned(ident, "gzrs: a union has no JSON form"));
        }
    }
    let (code, types) = (&w.code, &w.types);
    Ok(quote! {
        impl ::gzrs_class::Type for #ident {
            fn ts() -> ::std::string::String {
                ::std::string::String::from(#name)
            }
            fn declare(declarations: &mut ::gzrs_class::Declarations) {
                if !declarations.begin(#name) {
                    return;
                }
                #(<#types as ::gzrs_class::Type>::declare(declarations);)*
                let mut out = ::std::string::String::new();
                #(#code)*
                declarations.finish(#name, out);
            }
        }
    })
}
