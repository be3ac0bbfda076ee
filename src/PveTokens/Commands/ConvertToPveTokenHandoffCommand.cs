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
/// <remarks>
/// -ApiToken takes the token in every form Connect-PveServer and Test-PveApiToken take it, read by
/// the same code, from the pipeline too. It is one parameter of type object, not a PSCredential
/// parameter with a [Credential] transformation: that transformation turns a piped token string
/// into a credential prompt whose caption shows the whole string, secret included, and fails a
/// script that has no one to answer it. Nothing here ever prompts.
/// </remarks>
[Cmdlet(VerbsData.ConvertTo, "PveTokenHandoff")]
[OutputType(typeof(SecureString))]
[OutputType(typeof(string))]
public sealed class ConvertToPveTokenHandoffCommand : PveCmdletBase
{
    /// <summary>
    /// Gets or sets the token: a new token from New-/Reset-PveApiToken, a token credential (full
    /// token id and secret), the token string, or a SecureString holding it; usually piped.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [Alias("InputObject", "Credential")]
    [ValidateNotNull]
    public object ApiToken { get; set; } = null!;

    /// <summary>Gets or sets the form to write.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [MaskedConversion(typeof(PveTokenHandoffFormat))]
    public PveTokenHandoffFormat Format { get; set; }

    /// <summary>Gets or sets the shell for environment variable assignments (Environment, TerraformBpg, TerraformTelmate).</summary>
    [Parameter]
    [MaskedConversion(typeof(PveShell))]
    public PveShell Shell { get; set; }

    /// <summary>Gets or sets the server for PMPROXY_HOST (Environment); by default the token's session's server.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = null!;

    /// <summary>Gets or sets whether to return plain text instead of a SecureString.</summary>
    [Parameter]
    public SwitchParameter AsPlainText { get; set; }

    protected override void Begin()
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

    protected override void Process()
    {
        using ApiToken? token = PveConnectionArguments.ReadApiToken(ApiToken, null, out ErrorRecord? error);
        if (error is not null)
        {
            WriteError(error);
            return;
        }

        string? server = MyInvocation.BoundParameters.ContainsKey(nameof(Server)) ? Server : null;
        if ((ApiToken is PSObject wrapped ? wrapped.BaseObject : ApiToken) is PveApiTokenSecret created)
        {
            server ??= created.Session?.Server.Authority;
        }

        PveShell? shell = MyInvocation.BoundParameters.ContainsKey(nameof(Shell)) ? Shell : null;
        SecureString text = TokenHandoff.Build(Format, shell, token!.UserId, token.TokenName, token.Secret, server);
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
}
