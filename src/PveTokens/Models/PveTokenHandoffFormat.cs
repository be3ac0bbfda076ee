// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

namespace PveTokens.Models;

/// <summary>The forms ConvertTo-PveTokenHandoff writes a token in, one per consumer.</summary>
public enum PveTokenHandoffFormat
{
    /// <summary>The value of an HTTP <c>Authorization</c> header: <c>PVEAPIToken USER@REALM!TOKENID=SECRET</c>.</summary>
    Header,

    /// <summary>A curl config line for <c>curl -K FILE</c>: <c>header = "Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET"</c>.</summary>
    Curl,

    /// <summary>proxmoxer's keyword arguments as JSON: <c>{"user": …, "token_name": …, "token_value": …}</c>.</summary>
    Proxmoxer,

    /// <summary>The bpg/proxmox Terraform provider: <c>api_token = "…"</c>, or <c>PROXMOX_VE_API_TOKEN</c> with -Shell.</summary>
    TerraformBpg,

    /// <summary>The Telmate/proxmox Terraform provider: <c>pm_api_token_id</c> and <c>pm_api_token_secret</c>, or <c>PM_API_TOKEN_ID</c>/<c>PM_API_TOKEN_SECRET</c> with -Shell.</summary>
    TerraformTelmate,

    /// <summary>The variables Connect-PveServer reads: <c>PMPROXY_HOST</c> (when the server is known) and <c>PMPROXY_TOKEN</c>.</summary>
    Environment,
}

/// <summary>The shell whose syntax environment variable assignments are written in.</summary>
public enum PveShell
{
    /// <summary><c>$env:NAME = 'value'</c>.</summary>
    PowerShell,

    /// <summary><c>export NAME='value'</c> (sh, bash, zsh, dash).</summary>
    Posix,
}
