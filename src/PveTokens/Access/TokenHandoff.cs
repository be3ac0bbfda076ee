// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using PveTokens.Models;

namespace PveTokens.Access;

/// <summary>
/// Writes a token in the forms other tools take (ConvertTo-PveTokenHandoff). The text is built in a
/// SecureString: the secret is copied into it character by character from the token's SecureString
/// and never becomes a managed string, unless the caller asks for plain text.
/// </summary>
internal static class TokenHandoff
{
    private const string Nl = "\n";

    /// <summary>Whether a format can be written as environment variable assignments.</summary>
    internal static bool SupportsShell(PveTokenHandoffFormat format) =>
        format is PveTokenHandoffFormat.Environment or PveTokenHandoffFormat.TerraformBpg or PveTokenHandoffFormat.TerraformTelmate;

    /// <summary>
    /// The token in <paramref name="format"/>. <paramref name="shell"/> (Environment, Terraform*) picks
    /// environment variable assignments over the tool's own syntax; Environment defaults to PowerShell.
    /// <paramref name="server"/> (host:port) adds PMPROXY_HOST to the Environment form.
    /// </summary>
    internal static SecureString Build(
        PveTokenHandoffFormat format,
        PveShell? shell,
        string userId,
        string tokenId,
        SecureString secret,
        string? server)
    {
        string fullId = userId + "!" + tokenId;
        var b = new Builder(secret);
        switch (format)
        {
            case PveTokenHandoffFormat.Header:
                b.Plain("PVEAPIToken ").Plain(fullId).Plain("=").Secret(null);
                break;

            case PveTokenHandoffFormat.Curl:
                // curl's config syntax: a double-quoted string with backslash escapes.
                b.Plain("header = \"")
                 .Plain(CurlEscape("Authorization: PVEAPIToken=" + fullId + "="))
                 .Secret(CurlEscape)
                 .Plain("\"");
                break;

            case PveTokenHandoffFormat.Proxmoxer:
                b.Plain("{\"user\": \"").Plain(JsonEscape(userId))
                 .Plain("\", \"token_name\": \"").Plain(JsonEscape(tokenId))
                 .Plain("\", \"token_value\": \"").Secret(JsonEscape).Plain("\"}");
                break;

            case PveTokenHandoffFormat.TerraformBpg:
                if (shell is PveShell bpgShell)
                {
                    Assign(b, bpgShell, "PROXMOX_VE_API_TOKEN", fullId + "=", secret: true);
                }
                else
                {
                    b.Plain("api_token = \"").Plain(HclEscape(fullId + "=")).Secret(HclEscape).Plain("\"");
                }

                break;

            case PveTokenHandoffFormat.TerraformTelmate:
                if (shell is PveShell tmShell)
                {
                    Assign(b, tmShell, "PM_API_TOKEN_ID", fullId, secret: false);
                    b.Plain(Nl);
                    Assign(b, tmShell, "PM_API_TOKEN_SECRET", string.Empty, secret: true);
                }
                else
                {
                    b.Plain("pm_api_token_id     = \"").Plain(HclEscape(fullId)).Plain("\"").Plain(Nl)
                     .Plain("pm_api_token_secret = \"").Secret(HclEscape).Plain("\"");
                }

                break;

            case PveTokenHandoffFormat.Environment:
                PveShell envShell = shell ?? PveShell.PowerShell;
                if (!string.IsNullOrEmpty(server))
                {
                    Assign(b, envShell, "PMPROXY_HOST", server!, secret: false);
                    b.Plain(Nl);
                }

                Assign(b, envShell, "PMPROXY_TOKEN", fullId + "=", secret: true);
                break;

            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown hand-off format.");
        }

        return b.Done();
    }

    private static void Assign(Builder b, PveShell shell, string name, string plainValue, bool secret)
    {
        Func<char, string> quote = shell == PveShell.PowerShell ? PowerShellQuote : PosixQuote;
        b.Plain(shell == PveShell.PowerShell ? "$env:" + name + " = '" : "export " + name + "='");
        foreach (char c in plainValue)
        {
            b.Plain(quote(c));
        }

        if (secret)
        {
            b.Secret(quote);
        }

        b.Plain("'");
    }

    private static string PowerShellQuote(char c) => c switch
    {
        // Every single quote PowerShell knows (ASCII and the typographic ones) is doubled.
        '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B' => new string(c, 2),
        _ => c.ToString(),
    };

    private static string PosixQuote(char c) => c == '\'' ? "'\\''" : c.ToString();

    private static string CurlEscape(char c) => c switch
    {
        '\\' => "\\\\",
        '"' => "\\\"",
        _ => c.ToString(),
    };

    private static string CurlEscape(string s) => Map(s, CurlEscape);

    private static string HclEscape(char c) => c switch
    {
        '\\' => "\\\\",
        '"' => "\\\"",
        // '${' and '%{' start template sequences; a doubled '$' or '%' is literal.
        '$' => "$$",
        '%' => "%%",
        _ => c.ToString(),
    };

    private static string HclEscape(string s) => Map(s, HclEscape);

    private static string JsonEscape(char c) => c switch
    {
        '\\' => "\\\\",
        '"' => "\\\"",
        < ' ' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
        _ => c.ToString(),
    };

    private static string JsonEscape(string s) => Map(s, JsonEscape);

    private static string Map(string s, Func<char, string> escape)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            sb.Append(escape(c));
        }

        return sb.ToString();
    }

    /// <summary>Appends plain text and the (escaped) secret to a SecureString.</summary>
    private sealed class Builder
    {
        private readonly SecureString _secret;
        private readonly SecureString _result = new();

        internal Builder(SecureString secret) => _secret = secret;

        internal Builder Plain(string text)
        {
            foreach (char c in text)
            {
                _result.AppendChar(c);
            }

            return this;
        }

        internal Builder Secret(Func<char, string>? escape)
        {
            IntPtr ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(_secret);
                for (int i = 0; i < _secret.Length; i++)
                {
                    char c = (char)Marshal.ReadInt16(ptr, i * 2);
                    if (escape is null)
                    {
                        _result.AppendChar(c);
                    }
                    else
                    {
                        foreach (char e in escape(c))
                        {
                            _result.AppendChar(e);
                        }
                    }
                }
            }
            finally
            {
                if (ptr != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(ptr);
                }
            }

            return this;
        }

        internal SecureString Done()
        {
            _result.MakeReadOnly();
            return _result;
        }
    }
}
