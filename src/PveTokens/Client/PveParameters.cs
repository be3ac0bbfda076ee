// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using PveTokens.Access;

namespace PveTokens.Client;

/// <summary>
/// The parameters of one API call, sent as the query string (GET, DELETE) or as a form body (POST,
/// PUT). Values marked secret are kept only for the life of the call, never shown in call records,
/// and scrubbed from PVE's error text should it echo them.
/// </summary>
internal sealed class PveParameters
{
    // Parts of PVE parameter names whose values are secrets; "value" and "key" (TFA entries) are whole names.
    private static readonly string[] SecretNameParts = { "password", "secret", "ticket", "tfa-challenge", "totp", "csrf" };

    private readonly List<Entry> _entries = new List<Entry>();

    internal int Count => _entries.Count;

    internal PveParameters Add(string name, string value)
    {
        _entries.Add(new Entry(name, value, secret: false));
        return this;
    }

    internal PveParameters Add(string name, long value) => Add(name, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>PVE booleans are 0/1 on the wire ("true" is a type error).</summary>
    internal PveParameters Add(string name, bool value) => Add(name, value ? "1" : "0");

    /// <summary>
    /// Adds a value whose secrecy is judged by its name, for parameters a caller names freely
    /// (Invoke-PveRestMethod -Body): PVE's passwords, tickets, TFA values and keys are secrets.
    /// </summary>
    internal PveParameters AddByName(string name, string value) => IsSecretName(name) ? AddSecret(name, value) : Add(name, value);

    /// <summary>Whether PVE's parameter <paramref name="name"/> carries a secret (password, ticket, TFA value or key).</summary>
    internal static bool IsSecretName(string name)
    {
        foreach (string word in SecretNameParts)
        {
            if (name.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return true;
            }
        }

        return string.Equals(name, "value", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "key", StringComparison.OrdinalIgnoreCase);
    }

    internal PveParameters AddSecret(string name, string value)
    {
        _entries.Add(new Entry(name, value, secret: true));
        return this;
    }

    internal IReadOnlyList<string> Names
    {
        get
        {
            var names = new string[_entries.Count];
            for (int i = 0; i < names.Length; i++)
            {
                names[i] = _entries[i].Name;
            }

            return names;
        }
    }

    /// <summary>application/x-www-form-urlencoded, also used for the query string.</summary>
    internal string Encode()
    {
        var sb = new StringBuilder();
        foreach (Entry e in _entries)
        {
            if (sb.Length > 0)
            {
                sb.Append('&');
            }

            sb.Append(Uri.EscapeDataString(e.Name)).Append('=').Append(Uri.EscapeDataString(e.Value));
        }

        return sb.ToString();
    }

    /// <summary>Replaces every secret value in <paramref name="text"/> with a placeholder.</summary>
    internal string Redact(string text)
    {
        foreach (Entry e in _entries)
        {
            if (e.Secret && e.Value.Length > 0)
            {
                text = text.Replace(e.Value, "<redacted>");
            }
        }

        return text;
    }

    private readonly struct Entry
    {
        internal Entry(string name, string value, bool secret)
        {
            Name = name;
            Value = value;
            Secret = secret;
        }

        internal string Name { get; }

        internal string Value { get; }

        internal bool Secret { get; }
    }
}
