// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Management.Automation;
using PveTokens.Completion;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// The base of the cmdlets that act on one token at a time (New, Update, Remove, Reset): the token
/// named by -UserId/-TokenId (also by property name from any object) or given as -InputObject (a
/// token object by value, handled on its own session unless -Session names another). A full token
/// id (USER@REALM!TOKENID) names the token alone, as -TokenId or as the one positional argument, so
/// neither -UserId nor -TokenId is mandatory: a missing one is an error, never a prompt. ByObject is
/// the default set because PowerShell binds pipeline input to the default set first: with ById a
/// piped PveApiToken would bind by property name and New-PveApiToken could not copy its settings.
/// </summary>
public abstract class PveApiTokenCmdletBase : PveSessionCmdletBase
{
    /// <summary>The parameter set of -UserId/-TokenId.</summary>
    protected const string ByIdSet = "ById";

    /// <summary>The parameter set of -InputObject.</summary>
    protected const string ByObjectSet = "ByObject";

    /// <summary>Gets or sets the owning user, USER@REALM (or, alone, the full token id).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    [ArgumentCompleter(typeof(UserIdCompleter))]
    public virtual string UserId { get; set; } = string.Empty;

    /// <summary>Gets or sets the token's own name (the part after '!'), or its full id USER@REALM!TOKENID.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    [ArgumentCompleter(typeof(TokenIdCompleter))]
    public virtual string TokenId { get; set; } = string.Empty;

    /// <summary>Gets or sets a token object (from Get-PveApiToken or New-PveApiToken).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObjectSet)]
    [MaskedConversion(typeof(PveApiToken))]
    public PveApiToken? InputObject { get; set; }

    /// <summary>
    /// The token this record names, checked locally (InvalidUserId/InvalidTokenId are written and
    /// false returned, before any request), and the session to use: an explicit -Session, else the
    /// token object's own, else the default the base resolved.
    /// </summary>
    internal bool TryResolveToken(ref PveSession session, out string userId, out string tokenId)
    {
        PveApiToken? source = InputObject;
        ErrorRecord? invalid = PveApiTokenCommandSupport.ResolveIds(source?.UserId ?? UserId, source?.TokenId ?? TokenId, out userId, out tokenId);
        if (invalid is not null)
        {
            WriteError(invalid);
            return false;
        }

        if (source?.Session is PveSession own && Session is null)
        {
            session = ResolveSession(own);
        }

        return true;
    }

    /// <summary>
    /// ShouldProcess for a token change. A change that leaves the token without privilege separation
    /// hands it every right of its user, now and later, and PVE then ignores the token's own ACL
    /// entries: it is warned about, and confirmed as a ConfirmImpact High change would be (the cmdlet
    /// itself is Medium, so comment or expiry changes do not prompt). -Confirm:$false, -WhatIf and
    /// $ConfirmPreference work as usual.
    /// </summary>
    internal bool ShouldChange(string userId, string tokenId, PveSession session, string action, bool privilegeSeparationOff)
    {
        string target = PveApiTokenCommandSupport.Describe(userId, tokenId, session);
        if (!privilegeSeparationOff)
        {
            return ShouldProcess(target, action);
        }

        string why = $"Without privilege separation the token {userId}!{tokenId} holds every right of {userId} on every path, now and whatever {userId} is granted later, and PVE ignores the ACL entries that name the token.";
        WriteWarning(why);
        if (!ShouldProcess(target, action))
        {
            return false;
        }

        // ShouldProcess has already asked when -Confirm was given or $ConfirmPreference is Medium or lower.
        object? preference = SessionState.PSVariable.GetValue("ConfirmPreference");
        bool highOnly = preference is ConfirmImpact impact ? impact == ConfirmImpact.High
            : string.Equals(preference?.ToString(), nameof(ConfirmImpact.High), System.StringComparison.OrdinalIgnoreCase);
        return IsBound("Confirm") || !highOnly ||
            ShouldContinue($"{why} {action} for {target}?", "Turn privilege separation off");
    }

    /// <summary>Whether the caller named the parameter (on the command line or from the pipeline).</summary>
    internal bool IsBound(string parameterName) => MyInvocation.BoundParameters.ContainsKey(parameterName);
}
