// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Management.Automation;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Chooses the runspace's default session: the one every cmdlet uses when -Session is not given.
/// </summary>
/// <remarks>
/// A Set cmdlet on the session (rather than a switch on Get-PveSession) because it changes state and
/// so supports -WhatIf; -Default is mandatory because choosing the default is all it does today, and
/// -Default:$false hands the default back to the session that had it before (or to none).
/// </remarks>
[Cmdlet(VerbsCommon.Set, "PveSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PveSession))]
public sealed class SetPveSessionCommand : PveCmdletBase
{
    /// <summary>Gets or sets the session to change (from Get-PveSession or Connect-PveServer -PassThru).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    [MaskedConversion(typeof(PveSession))]
    public PveSession Session { get; set; } = null!;

    /// <summary>Gets or sets whether the session is the default ($false hands the default back to the session that had it before).</summary>
    [Parameter(Mandatory = true)]
    public SwitchParameter Default { get; set; }

    /// <summary>Gets or sets whether to write the session to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        SessionRegistry.RunspaceSessions sessions = SessionRegistry.Current;
        if (!Session.IsOpen)
        {
            WriteError(ErrorMapper.Map(new SessionClosedException(Session), Session, Session));
            return;
        }

        if (!sessions.Contains(Session))
        {
            WriteError(ErrorMapper.InvalidArgument("SessionNotInRunspace",
                $"The session {Session} is not one of this runspace's sessions (it was connected in another runspace or job), so it cannot be this runspace's default.",
                Session, "Connect-PveServer in this runspace, or pass the session with -Session."));
            return;
        }

        string action = Default ? "Make it the default session" : "Stop it being the default session";
        if (!ShouldProcess(Session.ToString(), action))
        {
            return;
        }

        sessions.SetDefault(Session, Default);
        PveSession? current = sessions.Default;
        WriteVerbose(current is null
            ? "No session is the default now: pass one with -Session, or choose one with Set-PveSession -Default."
            : $"The default session is {current}.");
        if (PassThru)
        {
            WriteObject(Session);
        }
    }
}
