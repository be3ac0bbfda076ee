// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PveTokens.Access;

namespace PveTokens.Client;

/// <summary>SHA-256 certificate fingerprints: computing them and normalising what users paste.</summary>
internal static class CertificateThumbprint
{
    /// <summary>The SHA-256 of the certificate's DER encoding as 64 upper-case hex digits.</summary>
    internal static string Sha256Of(X509Certificate certificate)
    {
        using SHA256 sha = SHA256.Create();
        return ToHex(sha.ComputeHash(certificate.GetRawCertData()));
    }

    /// <summary>
    /// Normalises a pasted SHA-256 fingerprint to 64 upper-case hex digits. Colons, spaces and dashes
    /// between digits are allowed, any case. Throws <see cref="FormatException"/> otherwise.
    /// </summary>
    internal static string Normalize(string text)
    {
        var digits = new StringBuilder(64);
        foreach (char c in text.Trim())
        {
            if (c == ':' || c == '-' || char.IsWhiteSpace(c))
            {
                continue;
            }

            if (!Uri.IsHexDigit(c))
            {
                throw new FormatException(
                    $"The certificate thumbprint contains '{c}', which is not a hexadecimal digit: give the certificate's SHA-256 fingerprint as 64 hex digits (colons and spaces are fine).");
            }

            digits.Append(char.ToUpperInvariant(c));
        }

        if (digits.Length == 64)
        {
            return digits.ToString();
        }

        string hint = digits.Length == 40
            ? " That looks like a SHA-1 thumbprint (40 digits, as the Windows certificate store shows); PveTokens pins SHA-256."
            : string.Empty;
        throw new FormatException(
            $"The certificate thumbprint has {digits.Length} hexadecimal digits; a SHA-256 fingerprint has 64 (colons and spaces are fine).{hint}");
    }

    /// <summary>64 hex digits as colon-separated pairs, the form PVE's GUI and openssl show.</summary>
    internal static string ToColonForm(string hex)
    {
        var sb = new StringBuilder(hex.Length * 3 / 2);
        for (int i = 0; i < hex.Length; i += 2)
        {
            if (i > 0)
            {
                sb.Append(':');
            }

            sb.Append(hex, i, Math.Min(2, hex.Length - i));
        }

        return sb.ToString();
    }

    private static string ToHex(byte[] bytes) => BitConverter.ToString(bytes).Replace("-", string.Empty);
}
