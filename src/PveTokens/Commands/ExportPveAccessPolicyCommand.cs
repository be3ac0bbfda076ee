// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Text;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Writes a server's access configuration as a policy file (.psd1 or .json) that, planned right back,
/// yields no change: the way to adopt access policies on an existing cluster. Without -Path the policy
/// text is output; -Scope limits it to the objects a policy should own. Secrets are never exported (PVE
/// cannot show them).
/// </summary>
[Cmdlet(VerbsData.Export, "PveAccessPolicy", SupportsShouldProcess = true)]
[OutputType(typeof(string), typeof(FileInfo))]
public sealed class ExportPveAccessPolicyCommand : PveAccessPolicyCmdletBase
{
    /// <summary>Error id: -Path with more than one session (one file cannot hold several clusters).</summary>
    internal const string ExportNeedsOneSession = "ExportNeedsOneSession";

    /// <summary>Error id: -Format contradicts -Path's extension, by which the file would be read back.</summary>
    internal const string PolicyFormatMismatch = "PolicyFormatMismatch";

    private PolicyScope? _scope;
    private int _sessions;

    /// <summary>Gets or sets what to export, as a policy's Scope table: Users, Tokens, Groups, Roles, AclPaths (wildcard patterns). Everything when omitted.</summary>
    [Parameter(Position = 0)]
    [MaskedConversion(typeof(Hashtable))]
    public Hashtable? Scope { get; set; }

    /// <summary>Gets or sets the file to write (UTF-8); the policy text is output when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Gets or sets the format: Psd1 or Json. By default the one -Path's extension names (.json is JSON), else Psd1.</summary>
    [Parameter]
    [MaskedConversion(typeof(PveAccessPolicyFormat))]
    public PveAccessPolicyFormat Format { get; set; }

    protected override void Begin()
    {
        // The policy cmdlets read a file by its extension: a file named otherwise would not read back.
        if (Path is not null)
        {
            PveAccessPolicyFormat byName = AccessPolicyFile.FormatOf(Path);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Format)) && Format != byName)
            {
                ThrowTerminatingError(ErrorMapper.InvalidArgument(PolicyFormatMismatch,
                    $"-Format {Format} does not match -Path '{Shown(Path)}', which the policy cmdlets would read as {byName}.", Path,
                    $"Name the file *{(Format == PveAccessPolicyFormat.Json ? ".json" : ".psd1")}, or leave -Format out."));
            }

            Format = byName;
        }

        if (Scope is null)
        {
            _scope = PolicyWriter.Everything;
            return;
        }

        var errors = new List<PolicyError>();
        _scope = PolicyParser.ParseScope(AccessPolicyFile.FromObject(Scope), "-Scope", errors);
        if (_scope is null)
        {
            foreach (PolicyError error in errors)
            {
                WriteError(ErrorMapper.InvalidArgument(PolicyInvalid, $"-Scope: {error.Message}", Scope, error.Fix));
            }

            ThrowTerminatingError(ErrorMapper.InvalidArgument(PolicyInvalid, "-Scope is not a valid policy scope; nothing was read.", Scope,
                "Pass a table such as @{ Users = 'svc-*@pve'; Tokens = 'svc-*@pve!*'; AclPaths = '/vms*' }."));
        }
    }

    internal override void ProcessSession(PveSession session)
    {
        if (Path is not null && ++_sessions > 1)
        {
            WriteError(ErrorMapper.InvalidArgument(ExportNeedsOneSession, $"-Path writes one file, and {session.Server.Authority} is a second session: it was not exported.", session.Server.Authority,
                "Export each cluster to its own file (one call per session), or omit -Path to get the text per session."));
            return;
        }

        AccessSnapshot snapshot = Run(ct => session.Client.GetAccessSnapshotAsync(ct));
        string text = PolicyWriter.Write(snapshot, _scope!,
            $"PveTokens access policy exported from {session.Server.Authority} (pve-manager {session.Version}) on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.\n" +
            "Plan it with Get-PveAccessPlan, apply it with Invoke-PveAccessPolicy (see about_PveTokens_AccessPolicy).", Format);
        if (Path is null)
        {
            WriteObject(text);
            return;
        }

        string fullPath;
        try
        {
            fullPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        }
        catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException || e is ProviderNotFoundException ||
                                  e is System.Management.Automation.DriveNotFoundException || e is PSNotSupportedException)
        {
            WriteError(ErrorMapper.InvalidArgument(PolicyFileNotFound, $"'{Shown(Path)}' is not a usable file path: {ReasonOf(e, Path)}", Path));
            return;
        }

        if (!ShouldProcess(Shown(fullPath), $"Write the access policy of {session.Server.Authority}"))
        {
            return;
        }

        try
        {
            File.WriteAllText(fullPath, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            WriteObject(new FileInfo(fullPath));
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
        {
            WriteError(ErrorMapper.InvalidArgument(PolicyFileNotFound, $"The policy could not be written to '{Shown(fullPath)}': {ReasonOf(e, fullPath)}", Path, "Check the folder exists and is writable."));
        }
    }
}
