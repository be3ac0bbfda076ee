// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Management.Automation;
using System.Security;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Writes a token's credential in the form another tool takes: an Authorization header value, a
/// curl config line, proxmoxer's keyword arguments, the bpg or Telmate Terraform provider settings,
/// or the PMPROXY_* environment variables. A SecureString unless -AsPlainText is given.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "PveTokenHandoff", DefaultParameterSetName = TokenSet)]
[OutputType(typeof(SecureString))]
[OutputType(typeof(string))]
public sealed class ConvertToPveTokenHandoffCommand : PSCmdlet
{
    private const string TokenSet = "Token";
    private const string CredentialSet = "Credential";

    /// <summary>Gets or sets the new token (New-PveApiToken, Reset-PveApiToken), usually piped.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = TokenSet)]
    public PveApiTokenSecret InputObject { get; set; } = null!;

    /// <summary>Gets or sets a token credential: the full token id as user name, the secret as password.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = CredentialSet)]
    [Credential]
    public PSCredential Credential { get; set; } = null!;

    /// <summary>Gets or sets the form to write.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public PveTokenHandoffFormat Format { get; set; }

    /// <summary>Gets or sets the shell for environment variable assignments (Environment, TerraformBpg, TerraformTelmate).</summary>
    [Parameter]
    public PveShell Shell { get; set; }

    /// <summary>Gets or sets the server for PMPROXY_HOST (Environment); by default the token's session's server.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = null!;

    /// <summary>Gets or sets whether to return plain text instead of a SecureString.</summary>
    [Parameter]
    public SwitchParameter AsPlainText { get; set; }

    protected override void BeginProcessing()
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Shell)) && !TokenHandoff.SupportsShell(Format))
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument(
                "ShellNotSupported",
                $"-Shell only applies to -Format Environment, TerraformBpg and TerraformTelmate; {Format} has no environment variable form.",
                Shell,
                "Leave out -Shell, or pick a format that has environment variables."));
        }
    }

    protected override void ProcessRecord()
    {
        string userId;
        string tokenId;
        SecureString secret;
        string? server = MyInvocation.BoundParameters.ContainsKey(nameof(Server)) ? Server : null;
        ApiToken? parsed = null;
        try
        {
            if (ParameterSetName == CredentialSet)
            {
                try
                {
                    parsed = ApiTokenString.FromParts(Credential.UserName, Credential.Password);
                }
                catch (FormatException e)
                {
                    WriteError(ErrorMapper.InvalidArgument("InvalidApiToken", e.Message, Credential.UserName,
                        $"Give a credential whose user name is the full token id ({ApiTokenString.Form} without '=SECRET') and whose password is the secret."));
                    return;
                }

                userId = parsed.UserId;
                tokenId = parsed.TokenName;
                secret = parsed.Secret;
            }
            else
            {
                userId = InputObject.UserId;
                tokenId = InputObject.TokenId;
                secret = InputObject.Secret;
                server ??= InputObject.Session?.Server.Authority;
            }

            PveShell? shell = MyInvocation.BoundParameters.ContainsKey(nameof(Shell)) ? Shell : null;
            SecureString text = TokenHandoff.Build(Format, shell, userId, tokenId, secret, server);
            if (AsPlainText)
            {
                using (text)
                {
                    WriteObject(SecretText.ToPlainText(text));
                }
            }
            else
            {
                WriteObject(text);
            }
        }
        finally
        {
            parsed?.Dispose();
        }
    }
}
