// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Management.Automation;
using System.Security;
using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Models;

/// <summary>
/// A token just created (New-PveApiToken) or given a new secret (Reset-PveApiToken), with its
/// one-time secret as a SecureString. PVE never shows the secret again: store it now (for example
/// with <see cref="ToCredential"/> and a secret vault). Nothing here prints the secret; only the
/// methods whose names say so return it as plain text.
/// </summary>
public sealed class PveApiTokenSecret : PveApiToken
{
    internal PveApiTokenSecret(
        string userId,
        string tokenId,
        string? comment,
        long expire,
        bool privilegeSeparation,
        SecureString secret,
        PveSession? session)
        : base(userId, tokenId, comment, expire, privilegeSeparation, ownerEnabled: null, ownerExpire: null, session)
    {
        Secret = secret;
    }

    /// <summary>The token's secret (a UUID), readable only through a SecureString-aware API.</summary>
    public SecureString Secret { get; }

    /// <summary>
    /// A credential with the full token id as the user name and the secret as the password: what
    /// Connect-PveServer -ApiToken, Export-Clixml or a SecretManagement vault take.
    /// </summary>
    public PSCredential ToCredential() => new(FullTokenId, Secret);

    /// <summary>
    /// The value of an HTTP `Authorization` header for this token, in plain text:
    /// `PVEAPIToken USER@REALM!TOKENID=SECRET`. PVE accepts a space or `=` after `PVEAPIToken`; the
    /// space form is the one .NET (Invoke-RestMethod, HttpClient) accepts without -SkipHeaderValidation.
    /// </summary>
    public string GetAuthorizationHeaderValue() => "PVEAPIToken " + FullTokenId + "=" + GetPlainTextSecret();

    /// <summary>The secret in plain text. Only call this where the plain text is really needed.</summary>
    public string GetPlainTextSecret() => SecretText.ToPlainText(Secret);

    /// <summary>Lets the object bind wherever PowerShell expects a PSCredential.</summary>
    public static implicit operator PSCredential(PveApiTokenSecret token) =>
        token is null ? throw new ArgumentNullException(nameof(token)) : token.ToCredential();

    /// <summary>The full token id; never the secret.</summary>
    public override string ToString() => FullTokenId;
}
