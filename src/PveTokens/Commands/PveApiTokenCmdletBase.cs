// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Management.Automation;
using PveTokens.Completion;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// The base of the cmdlets that act on one token at a time (New, Update, Remove, Reset): the token
/// named by -UserId/-TokenId (also by property name from any object) or given as -InputObject (a
/// token object by value, handled on its own session unless -Session names another). ByObject is
/// the default set because PowerShell binds pipeline input to the default set first: with ById a
/// piped PveApiToken would bind by property name and New-PveApiToken could not copy its settings.
/// </summary>
public abstract class PveApiTokenCmdletBase : PveSessionCmdletBase
{
    /// <summary>The parameter set of -UserId/-TokenId.</summary>
    protected const string ByIdSet = "ById";

    /// <summary>The parameter set of -InputObject.</summary>
    protected const string ByObjectSet = "ByObject";

    /// <summary>Gets or sets the owning user, USER@REALM.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    [ArgumentCompleter(typeof(UserIdCompleter))]
    public virtual string UserId { get; set; } = string.Empty;

    /// <summary>Gets or sets the token's own name (the part after '!').</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    [ArgumentCompleter(typeof(TokenIdCompleter))]
    public virtual string TokenId { get; set; } = string.Empty;

    /// <summary>Gets or sets a token object (from Get-PveApiToken or New-PveApiToken).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObjectSet)]
    public PveApiToken? InputObject { get; set; }

    /// <summary>
    /// The token this record names, checked locally (InvalidUserId/InvalidTokenId are written and
    /// false returned, before any request), and the session to use: an explicit -Session, else the
    /// token object's own, else the default the base resolved.
    /// </summary>
    internal bool TryResolveToken(ref PveSession session, out string userId, out string tokenId)
    {
        PveApiToken? source = InputObject;
        userId = source?.UserId ?? UserId;
        tokenId = source?.TokenId ?? TokenId;
        ErrorRecord? invalid = PveApiTokenCommandSupport.CheckIds(userId, tokenId);
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

    /// <summary>Whether the caller named the parameter (on the command line or from the pipeline).</summary>
    internal bool IsBound(string parameterName) => MyInvocation.BoundParameters.ContainsKey(parameterName);
}
