//! # gzrs-class-macros
//!
//! `#[methods]`, re-exported by gzrs-class (whose documentation is the user's): on an `impl`
//! block, it implements `gzrs_class::Class` for the type, with every `pub fn` that takes `&self`
//! as a method of the Genezio class, and `#[cron("...")]` marking cron jobs; and
//! `#[derive(Type)]`, the TypeScript declaration of a type those methods use.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{
    parse_macro_input, Attribute, Error, FnArg, ImplItem, ImplItemFn, ItemImpl, LitStr, Pat,
    ReturnType, Type, Visibility,
};

mod derive_type;

/// Declares a struct or enum in TypeScript for Genezio's SDK, shaped as serde writes it: see
/// gzrs-class's `Type`.
#[proc_macro_derive(Type, attributes(serde))]
pub fn derive_type(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as syn::DeriveInput);
    derive_type::derive(input)
        .unwrap_or_else(|error| error.to_compile_error())
        .into()
}

/// Makes the `pub fn`s of an `impl` block the methods of a Genezio class: see gzrs-class.
#[proc_macro_attribute]
pub fn methods(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        let error = Error::new(
            Tokens::from(attr).span(),
            "gzrs: #[methods] takes no arguments",
        );
        return error.to_compile_error().into();
    }
    let mut block = parse_macro_input!(item as ItemImpl);
    match expand(&mut block) {
        Ok(class) => quote!(#block #class).into(),
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#block #error).into()
        }
    }
}

struct Found {
    ident: syn::Ident,
    params: Vec<(syn::Ident, Type)>,
    result: Option<Type>,
    returns_result: bool,
    is_async: bool,
    cron: Option<LitStr>,
}

fn expand(block: &mut ItemImpl) -> syn::Result<Tokens> {
    if block.trait_.is_some() {
        return Err(Error::new(
            block.span(),
            "gzrs: #[methods] goes on the type's own `impl` block, not on a trait's",
        ));
    }
    if !block.generics.params.is_empty() {
        return Err(Error::new(
            block.generics.span(),
            "gzrs: a Genezio class cannot be generic",
        ));
    }
    let self_ty = block.self_ty.clone();
    let class = match &*self_ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        other => {
            return Err(Error::new(
                other.span(),
                "gzrs: #[methods] needs a named type",
            ))
        }
    };
    let mut methods = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(function) = item else {
            continue;
        };
        let cron = take_cron(&mut function.attrs)?;
        if let Some(found) = method(function, cron)? {
            methods.push(found);
        }
    }

    let infos = methods.iter().map(|m| {
        let name = m.ident.to_string();
        let params = m.params.iter().map(|(ident, ty)| {
            let (name, ty) = (ident.to_string(), type_text(ty));
            quote!(::gzrs_class::Param { name: #name, rust_type: #ty })
        });
        let result = m.result.as_ref().map_or("()".to_owned(), type_text);
        let kind = match &m.cron {
            Some(schedule) => quote!(::gzrs_class::MethodKind::Cron(#schedule)),
            None => quote!(::gzrs_class::MethodKind::Rpc),
        };
        let is_async = m.is_async;
        let answered = if m.returns_result {
            m.result.as_ref().and_then(ok_type)
        } else {
            m.result.clone()
        };
        let returns_nothing = answered.as_ref().is_none_or(is_unit);
        quote! {
            ::gzrs_class::Method {
                name: #name,
                params: &[#(#params),*],
                result: #result,
                returns_nothing: #returns_nothing,
                kind: #kind,
                is_async: #is_async,
            }
        }
    });
    let signatures = methods.iter().map(|m| {
        let name = m.ident.to_string();
        let params = m.params.iter().map(|(ident, ty)| {
            let name = ident.to_string();
            quote!((#name, {
                <#ty as ::gzrs_class::Type>::declare(declarations);
                <#ty as ::gzrs_class::Type>::ts()
            }))
        });
        let answered = if m.returns_result {
            m.result.as_ref().and_then(ok_type)
        } else {
            m.result.clone()
        };
        let result = match answered {
            Some(ty) if !is_unit(&ty) => quote!({
                <#ty as ::gzrs_class::Type>::declare(declarations);
                <#ty as ::gzrs_class::Type>::ts()
            }),
            _ => quote!(::std::string::String::from("void")),
        };
        quote! {
            ::gzrs_class::Signature {
                name: #name,
                params: ::std::vec![#(#params),*],
                result: #result,
            }
        }
    });
    let arms = methods.iter().map(|m| {
        let (ident, name) = (&m.ident, m.ident.to_string());
        let qualified = format!("{class}.{name}");
        let names = m.params.iter().map(|(i, _)| i.to_string());
        let reads = m
            .params
            .iter()
            .map(|(i, ty)| quote!(let #i: #ty = args.take()?;));
        let idents = m.params.iter().map(|(i, _)| i);
        let call = if m.is_async {
            quote!(self.#ident(#(#idents),*).await)
        } else {
            quote!(self.#ident(#(#idents),*))
        };
        let answer = if m.returns_result {
            quote!(::gzrs_class::from_result(#call))
        } else {
            quote!(::gzrs_class::ok(#call))
        };
        quote! {
            #name => {
                #[allow(unused_mut)]
                let mut args = ::gzrs_class::Args::new(#qualified, params, &[#(#names),*])?;
                #(#reads)*
                #answer
            }
        }
    });
    Ok(quote! {
        impl ::gzrs_class::Class for #self_ty {
            const NAME: &'static str = #class;
            const METHODS: &'static [::gzrs_class::Method] = &[#(#infos),*];

            fn signatures(
                declarations: &mut ::gzrs_class::Declarations,
            ) -> ::std::vec::Vec<::gzrs_class::Signature> {
                ::std::vec![#(#signatures),*]
            }

            fn call<'a>(
                &'a self,
                method: &'a str,
                params: ::std::vec::Vec<::gzrs_class::serde_json::Value>,
            ) -> ::gzrs_class::CallFuture<'a> {
                ::std::boxed::Box::pin(async move {
                    match method {
                        #(#arms)*
                        other => ::std::result::Result::Err(
                            ::gzrs_class::CallError::no_method(#class, other),
                        ),
                    }
                })
            }
        }
    })
}

/// Removes `#[cron("...")]` from a function's attributes (it is this macro's, not a real one)
/// and answers its schedule.
fn take_cron(attrs: &mut Vec<Attribute>) -> syn::Result<Option<LitStr>> {
    let mut found = None;
    let mut error = None;
    attrs.retain(|attr| {
        if !attr.path().is_ident("cron") {
            return true;
        }
        match attr.parse_args::<LitStr>() {
            Ok(schedule) if schedule.value().split_whitespace().count() >= 5 => {
                found = Some(schedule)
            }
            Ok(schedule) => {
                error = Some(Error::new(
                    schedule.span(),
                    "gzrs: a cron schedule has five fields, like \"0 3 * * *\"",
                ))
            }
            Err(_) => {
                error = Some(Error::new(
                    attr.span(),
                    "gzrs: write a cron job as #[cron(\"0 3 * * *\")]",
                ))
            }
        }
        false
    });
    match error {
        Some(error) => Err(error),
        None => Ok(found),
    }
}

/// The method `function` makes, if it is one: public, taking `&self`.
fn method(function: &ImplItemFn, cron: Option<LitStr>) -> syn::Result<Option<Found>> {
    let signature = &function.sig;
    let public = matches!(function.vis, Visibility::Public(_));
    let receiver = signature.receiver();
    if !public || receiver.is_none() {
        if let Some(schedule) = cron {
            return Err(Error::new(
                schedule.span(),
                "gzrs: a cron job must be a `pub fn` that takes `&self`",
            ));
        }
        return Ok(None);
    }
    let receiver = receiver.expect("checked");
    if receiver.reference.is_none() || receiver.mutability.is_some() {
        return Err(Error::new(
            receiver.span(),
            "gzrs: a method of a Genezio class takes `&self` (calls can overlap while one awaits): keep its state in a `RefCell` or a `Mutex`",
        ));
    }
    if !signature.generics.params.is_empty() {
        return Err(Error::new(
            signature.generics.span(),
            "gzrs: a method of a Genezio class cannot be generic: its types are what the SDK declares",
        ));
    }
    let mut params = Vec::new();
    for input in signature.inputs.iter().skip(1) {
        let FnArg::Typed(typed) = input else {
            continue;
        };
        let Pat::Ident(ident) = &*typed.pat else {
            return Err(Error::new(
                typed.pat.span(),
                "gzrs: name each parameter (the SDK's parameters are named after them)",
            ));
        };
        params.push((ident.ident.clone(), (*typed.ty).clone()));
    }
    if cron.is_some() && !params.is_empty() {
        return Err(Error::new(
            signature.inputs.span(),
            "gzrs: a cron job takes no arguments (Genezio calls it with none)",
        ));
    }
    let result = match &signature.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some((**ty).clone()),
    };
    let returns_result = result.as_ref().is_some_and(is_result);
    Ok(Some(Found {
        ident: signature.ident.clone(),
        params,
        result,
        returns_result,
        is_async: signature.asyncness.is_some(),
        cron,
    }))
}

/// Whether a type is written as a `Result` (`Result<T, E>`, `std::result::Result<..>`, or an
/// alias named `Result` such as `anyhow::Result<T>`).
fn is_result(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "Result"))
}

/// `T` of a `Result<T, E>` (or of an alias such as `anyhow::Result<T>`).
fn ok_type(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    let syn::PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    })
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// A type as the user wrote it, spaces normalized.
fn type_text(ty: &Type) -> String {
    let text = ty.to_token_stream().to_string();
    text.replace(" < ", "<")
        .replace(" >", ">")
        .replace("< ", "<")
        .replace(" ,", ",")
        .replace(" :: ", "::")
        .replace("& ", "&")
}
