// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Net.Http;
using System.Security;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Completion;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Calls any path of the PVE API with the session's authentication, TLS policy, retries and error
/// mapping, and returns the answer's data as PowerShell objects, like Invoke-RestMethod.
/// </summary>
/// <remarks>
/// Anchored on Invoke-MgGraphRequest and Invoke-AzRestMethod: the escape hatch for the parts of the
/// API the module has no cmdlet for (creating the service user before its token, a node's status).
/// Writes (POST, PUT, DELETE) go through ShouldProcess with ConfirmImpact Medium, like
/// Invoke-AzRestMethod: the path is arbitrary, so the dedicated cmdlets keep the stronger prompts
/// (Remove-PveApiToken is High). Reads run under -WhatIf, as Get cmdlets do. The body's values
/// never reach a verbose line (call records show parameter names only), and values PVE echoes
/// back in an error are redacted when their names mark them secret (password, ticket, TFA values).
/// </remarks>
[Cmdlet(VerbsLifecycle.Invoke, "PveRestMethod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PSObject))]
public sealed class InvokePveRestMethodCommand : PveSessionCmdletBase
{
    /// <summary>Gets or sets the API path below /api2/json, e.g. /access/users or /nodes/pve1/status.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ApiPathCompleter))]
    public string Path { get; set; } = string.Empty;

    /// <summary>Gets or sets the HTTP method: Get (the default), Post, Put or Delete.</summary>
    [Parameter]
    [MaskedConversion(typeof(PveRestMethod))]
    public PveRestMethod Method { get; set; } = PveRestMethod.Get;

    /// <summary>
    /// Gets or sets the parameters: a hashtable sent as the form (POST, PUT) or the query string (GET,
    /// DELETE). Booleans become 0/1, arrays repeated keys, DateTime epoch seconds, SecureString its text.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    [MaskedConversion(typeof(IDictionary))]
    public IDictionary? Body { get; set; }

    protected override void ProcessRecordCore(PveSession session)
    {
        string? apiPath = PveApiPath.Normalize(Path, out string? error);
        if (apiPath is null)
        {
            WriteError(ErrorMapper.InvalidArgument("InvalidApiPath", error!, null,
                "Give the path as the API viewer shows it, e.g. -Path /access/users, and the parameters with -Body."));
            return;
        }

        PveParameters? parameters = BuildParameters();
        if (parameters is null)
        {
            return;
        }

        HttpMethod method = new HttpMethod(Method.ToString().ToUpperInvariant());
        string shown = Uri.UnescapeDataString(apiPath);
        if (method != HttpMethod.Get &&
            !ShouldProcess($"{shown} on {session.Server.Authority}", $"{method.Method}{(parameters.Count == 0 ? string.Empty : " with " + string.Join(", ", parameters.Names))}"))
        {
            return;
        }

        object? data = Run(ct => session.Client.InvokeAsync(method, apiPath, parameters.Count == 0 ? null : parameters, ct));
        if (data is object?[] items)
        {
            foreach (object? item in items)
            {
                WriteObject(ToPowerShell(item));
            }
        }
        else if (data is not null)
        {
            WriteObject(ToPowerShell(data));
        }
    }

    private PveParameters? BuildParameters()
    {
        var parameters = new PveParameters();
        if (Body is null)
        {
            return parameters;
        }

        foreach (DictionaryEntry entry in Body)
        {
            string name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
            object? value = Unwrap(entry.Value);
            if (name.Length == 0)
            {
                WriteError(ErrorMapper.InvalidArgument("InvalidBody", "A -Body key is empty; keys are PVE's parameter names, e.g. userid.", null));
                return null;
            }

            if (value is IEnumerable list && value is not string && value is not IDictionary)
            {
                foreach (object? item in list)
                {
                    if (!AddValue(parameters, name, Unwrap(item)))
                    {
                        return null;
                    }
                }
            }
            else if (!AddValue(parameters, name, value))
            {
                return null;
            }
        }

        return parameters;
    }

    private bool AddValue(PveParameters parameters, string name, object? value)
    {
        switch (value)
        {
            case null:
                parameters.Add(name, string.Empty);
                return true;
            case SecureString secure:
                parameters.AddSecret(name, SecretText.ToPlainText(secure));
                return true;
            case bool flag:
                parameters.Add(name, flag);
                return true;
            case SwitchParameter flag:
                parameters.Add(name, flag.IsPresent);
                return true;
            case DateTime at:
                parameters.Add(name, PveEpoch.ToEpoch(at));
                return true;
            case DateTimeOffset at:
                parameters.Add(name, PveEpoch.ToEpoch(at.UtcDateTime));
                return true;
            case IDictionary or PSCredential or ScriptBlock:
                WriteError(ErrorMapper.InvalidArgument("InvalidBody",
                    $"The -Body value of '{name}' is a {value.GetType().Name}; PVE takes strings, numbers, booleans (sent as 0/1) and lists of them (sent as repeated keys).",
                    null));
                return false;
            case IFormattable formattable:
                parameters.AddByName(name, formattable.ToString(null, CultureInfo.InvariantCulture));
                return true;
            default:
                parameters.AddByName(name, value.ToString() ?? string.Empty);
                return true;
        }
    }

    private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

    private static object? ToPowerShell(object? value)
    {
        switch (value)
        {
            case PveRestObject properties:
                var result = new PSObject();
                foreach (KeyValuePair<string, object?> p in properties)
                {
                    result.Properties.Add(new PSNoteProperty(p.Key, ToPowerShell(p.Value)));
                }

                return result;
            case object?[] items:
                var converted = new object?[items.Length];
                for (int i = 0; i < items.Length; i++)
                {
                    converted[i] = ToPowerShell(items[i]);
                }

                return converted;
            default:
                return value;
        }
    }
}
