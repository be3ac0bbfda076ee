#Requires -Version 5.1
<#
.SYNOPSIS
    Turns the PlatyPS-format markdown in docs/en-US into MAML help and the about topic.

.DESCRIPTION
    The project's stand-in for PlatyPS 0.14's New-ExternalHelp (PlatyPS cannot be installed on the
    build machines). When PlatyPS is installed it is used instead.

    Inputs
      -ModulePath   the staged module folder (PveTokens.psd1 inside); it is imported in this process
      -DocsPath     docs/en-US: <Verb-Noun>.md per cmdlet (PlatyPS 0.14 format), about_*.help.md
    Outputs (in -OutputPath, default <ModulePath>/en-US)
      PveTokens.dll-Help.xml   MAML for every exported cmdlet
      about_PveTokens.help.txt the about topic as plain text wrapped at 80 columns

    Get-Help does not merge cmdlet metadata into a MAML entry, so the MAML is written complete:
    syntax per parameter set and the parameter attributes (required, position, pipeline input,
    globbing, aliases, type) come from Get-Command, which is authoritative; the prose (synopsis,
    description, parameter descriptions, default values, examples, inputs/outputs, notes, links)
    comes from the markdown.

    Missing pages, parameters or examples only produce a WARNING (tests/Pester/Help.Tests.ps1
    enforces completeness), so help keeps building while cmdlets are being written. Markdown the
    converter cannot parse stops it with exit code 1 and a 'file:line: problem' message.

.EXAMPLE
    ./build/New-MamlHelp.ps1 -ModulePath ./out/PveTokens -DocsPath ./docs/en-US

.EXAMPLE
    ./build/New-MamlHelp.ps1 -ModulePath ./out/PveTokens -DocsPath ./docs/en-US -NewPage New-PveApiToken

    Starts docs/en-US/New-PveApiToken.md from the built cmdlet; fill in every {{ placeholder }}.
#>
[CmdletBinding(DefaultParameterSetName = 'Build')]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(ParameterSetName = 'Build')] [string] $OutputPath,
    # Writes a page skeleton (like PlatyPS's New-MarkdownHelp) for each named cmdlet that has none yet:
    # syntax and yaml blocks from the cmdlet's metadata, {{ placeholders }} for the prose.
    [Parameter(Mandatory, ParameterSetName = 'NewPage')] [string[]] $NewPage
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$MamlNamespace = 'http://schemas.microsoft.com/maml/2004/10'
$CommandNamespace = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$DevNamespace = 'http://schemas.microsoft.com/maml/dev/2004/10'
$AboutWidth = 80

# Thrown for markdown that cannot be parsed; carries 'file:line: problem'.
class MarkdownFormatException : System.Exception {
    MarkdownFormatException([string] $message) : base($message) {}
}

function New-FormatError([string] $File, [int] $Line, [string] $Message) {
    return [MarkdownFormatException]::new(('{0}:{1}: {2}' -f $File, $Line, $Message))
}

#region Markdown reading

function Read-MarkdownLines([string] $Path) {
    # Lines of the file, CRLF or LF, without a trailing empty line.
    $text = [System.IO.File]::ReadAllText($Path)
    $lines = $text -replace "`r`n", "`n" -split "`n"
    if ($lines.Count -gt 0 -and $lines[-1] -eq '') { $lines = $lines[0..($lines.Count - 2)] }
    return , [string[]]$lines
}

function Split-FrontMatter([string] $File, [string[]] $Lines) {
    # Returns @{ Data = @{key=value}; Body = first line index after the front matter }.
    if ($Lines.Count -eq 0 -or $Lines[0].Trim() -ne '---') {
        throw (New-FormatError $File 1 "expected YAML front matter starting with '---'")
    }
    $data = [ordered]@{}
    for ($i = 1; $i -lt $Lines.Count; $i++) {
        $line = $Lines[$i]
        if ($line.Trim() -eq '---') { return @{ Data = $data; Body = $i + 1 } }
        if ($line.Trim() -eq '') { continue }
        if ($line -notmatch '^([A-Za-z][A-Za-z0-9 ._-]*):\s*(.*?)\s*$') {
            throw (New-FormatError $File ($i + 1) "front matter line is not 'key: value': '$line'")
        }
        $data[$Matches[1].Trim()] = $Matches[2]
    }
    throw (New-FormatError $File 1 "front matter is not closed with '---'")
}

function Get-MarkdownBlocks([string] $File, [string[]] $Lines, [int] $Start) {
    # Splits the body into headings, fenced code blocks and text lines, each with its 1-based line.
    $blocks = New-Object System.Collections.Generic.List[object]
    $i = $Start
    while ($i -lt $Lines.Count) {
        $line = $Lines[$i]
        if ($line -match '^\s{0,3}(`{3,}|~{3,})\s*([A-Za-z0-9_+-]*)\s*$') {
            $fence = $Matches[1]; $language = $Matches[2]; $open = $i
            $code = New-Object System.Collections.Generic.List[string]
            $i++
            while ($i -lt $Lines.Count -and $Lines[$i] -notmatch ('^\s{0,3}' + [regex]::Escape($fence.Substring(0, 1)) + '{' + $fence.Length + ',}\s*$')) {
                $code.Add($Lines[$i]); $i++
            }
            if ($i -ge $Lines.Count) { throw (New-FormatError $File ($open + 1) "code block opened here is never closed") }
            $blocks.Add([pscustomobject]@{ Kind = 'Code'; Line = $open + 1; Language = $language; Text = ($code -join "`n") })
            $i++
            continue
        }
        if ($line -match '^(#{1,6})\s+(.*?)\s*$') {
            $blocks.Add([pscustomobject]@{ Kind = 'Heading'; Line = $i + 1; Level = $Matches[1].Length; Text = $Matches[2] })
        }
        else {
            $blocks.Add([pscustomobject]@{ Kind = 'Text'; Line = $i + 1; Text = $line })
        }
        $i++
    }
    return , $blocks
}

function Split-Sections($Blocks, [int] $Level) {
    # Groups blocks under the headings of the given level: @{ Heading; Line; Blocks }.
    # Blocks before the first such heading go into a section with Heading $null.
    $sections = New-Object System.Collections.Generic.List[object]
    $current = [pscustomobject]@{ Heading = $null; Line = 0; Blocks = (New-Object System.Collections.Generic.List[object]) }
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -eq $Level) {
            $sections.Add($current)
            $current = [pscustomobject]@{ Heading = $block.Text; Line = $block.Line; Blocks = (New-Object System.Collections.Generic.List[object]) }
        }
        else {
            $current.Blocks.Add($block)
        }
    }
    $sections.Add($current)
    return , $sections
}

function ConvertFrom-MarkdownInline([string] $Text) {
    # PlatyPS escapes these characters when it writes markdown; help text shows them plainly.
    return ($Text -replace '\\([\\`*_{}\[\]()<>#+.!|-])', '$1')
}

function ConvertTo-Paragraphs($Blocks, [string] $File) {
    # Markdown prose to help paragraphs: blank lines separate paragraphs, soft line breaks become
    # spaces, list items and fenced code keep their own lines.
    $paragraphs = New-Object System.Collections.Generic.List[string]
    $current = New-Object System.Collections.Generic.List[string]
    $inList = $false
    $flush = {
        if ($current.Count -gt 0) {
            $paragraphs.Add(($current -join $(if ($inList) { "`n" } else { ' ' })))
            $current.Clear()
        }
    }
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading') {
            throw (New-FormatError $File $block.Line "unexpected heading '$('#' * $block.Level) $($block.Text)' here")
        }
        if ($block.Kind -eq 'Code') {
            & $flush; $inList = $false
            $paragraphs.Add((($block.Text -split "`n") | ForEach-Object { "    $_" }) -join "`n")
            continue
        }
        $line = $block.Text
        if ($line.Trim() -eq '') { & $flush; $inList = $false; continue }
        $isItem = $line -match '^\s*([-*+]|\d+[.)])\s+'
        if ($isItem) {
            if (-not $inList) { & $flush; $inList = $true }
            $current.Add((ConvertFrom-MarkdownInline $line.TrimEnd()))
        }
        elseif ($inList) {
            # A continuation line of the last list item.
            $current[$current.Count - 1] = $current[$current.Count - 1] + ' ' + (ConvertFrom-MarkdownInline $line.Trim())
        }
        else {
            $current.Add((ConvertFrom-MarkdownInline $line.Trim()))
        }
    }
    & $flush
    return , $paragraphs
}

function Read-YamlBlock([string] $File, $Block) {
    $data = @{}
    $n = 0
    foreach ($line in ($Block.Text -split "`n")) {
        $n++
        if ($line.Trim() -eq '') { continue }
        if ($line -notmatch '^\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.*?)\s*$') {
            throw (New-FormatError $File ($Block.Line + $n) "yaml line is not 'Key: value': '$line'")
        }
        $data[$Matches[1]] = $Matches[2]
    }
    return $data
}

function Read-CommandPage([string] $Path) {
    # Parses one PlatyPS 0.14 cmdlet page into a plain object.
    $file = $Path
    $lines = Read-MarkdownLines $Path
    $front = Split-FrontMatter $file $lines
    $blocks = Get-MarkdownBlocks $file $lines $front.Body
    $top = Split-Sections $blocks 1
    foreach ($block in $top[0].Blocks) {
        if ($block.Kind -ne 'Text' -or $block.Text.Trim() -ne '') {
            throw (New-FormatError $file $block.Line "expected '# Verb-Noun' before any content")
        }
    }
    if ($top.Count -ne 2) {
        $line = if ($top.Count -gt 2) { $top[2].Line } else { $lines.Count }
        throw (New-FormatError $file $line 'expected exactly one level-1 heading (# Verb-Noun)')
    }
    $page = [pscustomobject]@{
        File          = $file
        Name          = $top[1].Heading
        FrontMatter   = $front.Data
        Synopsis      = $null
        SyntaxSets    = @()
        Description   = $null
        Examples      = (New-Object System.Collections.Generic.List[object])
        Parameters    = [ordered]@{}
        Inputs        = $null
        Outputs       = $null
        Notes         = $null
        Links         = (New-Object System.Collections.Generic.List[object])
        Present       = @{}
    }
    $known = 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'
    $sections = Split-Sections $top[1].Blocks 2
    foreach ($block in $sections[0].Blocks) {
        if ($block.Kind -ne 'Text' -or $block.Text.Trim() -ne '') {
            throw (New-FormatError $file $block.Line "unexpected content before the first '## SECTION'")
        }
    }
    foreach ($section in ($sections | Select-Object -Skip 1)) {
        $name = $section.Heading.ToUpperInvariant()
        if ($known -notcontains $name) {
            throw (New-FormatError $file $section.Line "unknown section '## $($section.Heading)'; expected one of: $($known -join ', ')")
        }
        if ($page.Present.ContainsKey($name)) {
            throw (New-FormatError $file $section.Line "section '## $name' appears twice")
        }
        $page.Present[$name] = $section.Line
        switch ($name) {
            'SYNOPSIS' { $page.Synopsis = ConvertTo-Paragraphs $section.Blocks $file }
            'DESCRIPTION' { $page.Description = ConvertTo-Paragraphs $section.Blocks $file }
            'NOTES' { $page.Notes = ConvertTo-Paragraphs $section.Blocks $file }
            'SYNTAX' {
                $page.SyntaxSets = @((Split-Sections $section.Blocks 3) | Select-Object -Skip 1 | ForEach-Object { $_.Heading })
            }
            'EXAMPLES' { Read-ExamplesSection $page $section }
            'PARAMETERS' { Read-ParametersSection $page $section }
            { $_ -eq 'INPUTS' -or $_ -eq 'OUTPUTS' } {
                $types = New-Object System.Collections.Generic.List[object]
                $sub = Split-Sections $section.Blocks 3
                Assert-OnlyBlank $file $sub[0].Blocks "'### TypeName' headings"
                foreach ($typeSection in ($sub | Select-Object -Skip 1)) {
                    $types.Add([pscustomobject]@{ Name = $typeSection.Heading; Description = (ConvertTo-Paragraphs $typeSection.Blocks $file) })
                }
                if ($name -eq 'INPUTS') { $page.Inputs = $types } else { $page.Outputs = $types }
            }
            'RELATED LINKS' {
                foreach ($block in $section.Blocks) {
                    if ($block.Kind -ne 'Text') { throw (New-FormatError $file $block.Line 'RELATED LINKS may only hold [text](uri) lines') }
                    $text = $block.Text.Trim() -replace '^[-*+]\s+', ''
                    if ($text -eq '') { continue }
                    if ($text -match '^\[([^\]]+)\]\(([^)\s]*)\)$') {
                        $page.Links.Add([pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] })
                    }
                    else {
                        throw (New-FormatError $file $block.Line "RELATED LINKS line is not a markdown link '[text](uri)': '$text'")
                    }
                }
            }
        }
    }
    return $page
}

function Assert-OnlyBlank([string] $File, $Blocks, [string] $Expected) {
    foreach ($block in $Blocks) {
        if ($block.Kind -ne 'Text' -or $block.Text.Trim() -ne '') {
            throw (New-FormatError $File $block.Line "expected $Expected here")
        }
    }
}

function Read-ExamplesSection($Page, $Section) {
    $file = $Page.File
    $sub = Split-Sections $Section.Blocks 3
    Assert-OnlyBlank $file $sub[0].Blocks "'### Example N: title' headings"
    foreach ($example in ($sub | Select-Object -Skip 1)) {
        if ($example.Heading -notmatch '^Example\s+(\d+)\s*(?:[:.\-]|--|\u2013|\u2014)?\s*(.*)$') {
            throw (New-FormatError $file $example.Line "example heading must read '### Example N: title', not '### $($example.Heading)'")
        }
        $number = [int]$Matches[1]; $title = $Matches[2]
        $codeBlocks = @($example.Blocks | Where-Object Kind -EQ 'Code')
        if ($codeBlocks.Count -eq 0) {
            throw (New-FormatError $file $example.Line "example '$($example.Heading)' has no fenced code block")
        }
        # Code blocks before the first remark line belong to the example's code (PlatyPS puts an
        # output block right after the code); later ones are part of the remarks.
        $code = New-Object System.Collections.Generic.List[string]
        $remarks = New-Object System.Collections.Generic.List[object]
        $seenText = $false
        foreach ($block in $example.Blocks) {
            if ($block.Kind -eq 'Heading') { throw (New-FormatError $file $block.Line "unexpected heading inside an example") }
            if ($block.Kind -eq 'Code' -and -not $seenText) { $code.Add($block.Text); continue }
            if ($block.Kind -eq 'Text' -and $block.Text.Trim() -ne '') { $seenText = $true }
            if ($seenText) { $remarks.Add($block) }
        }
        $Page.Examples.Add([pscustomobject]@{
                Number   = $number
                Title    = $title
                Heading  = $example.Heading
                Line     = $example.Line
                Code     = ($code -join "`n`n")
                Language = $codeBlocks[0].Language
                Remarks  = (ConvertTo-Paragraphs $remarks $file)
            })
    }
}

function Read-ParametersSection($Page, $Section) {
    $file = $Page.File
    $sub = Split-Sections $Section.Blocks 3
    Assert-OnlyBlank $file $sub[0].Blocks "'### -ParameterName' headings"
    foreach ($parameter in ($sub | Select-Object -Skip 1)) {
        if ($parameter.Heading -eq 'CommonParameters') { continue }
        if ($parameter.Heading -notmatch '^-([A-Za-z_][A-Za-z0-9_]*)$') {
            throw (New-FormatError $file $parameter.Line "parameter heading must read '### -Name' (or '### CommonParameters'), not '### $($parameter.Heading)'")
        }
        $name = $Matches[1]
        if ($Page.Parameters.Contains($name)) {
            throw (New-FormatError $file $parameter.Line "parameter -$name is documented twice")
        }
        $yaml = @($parameter.Blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' })
        if ($yaml.Count -eq 0) {
            throw (New-FormatError $file $parameter.Line "parameter -$name has no ``````yaml block (Type, Parameter Sets, Aliases, Required, Position, Default value, Accept pipeline input, Accept wildcard characters)")
        }
        $prose = @($parameter.Blocks | Where-Object { -not ($_.Kind -eq 'Code' -and $_.Language -eq 'yaml') })
        $Page.Parameters[$name] = [pscustomobject]@{
            Name        = $name
            Line        = $parameter.Line
            Description = (ConvertTo-Paragraphs $prose $file)
            Yaml        = @($yaml | ForEach-Object { Read-YamlBlock $file $_ })
        }
    }
}

#endregion

#region Cmdlet metadata

$script:CommonParameterNames = $null
function Get-CommonParameterNames {
    if ($null -eq $script:CommonParameterNames) {
        $names = @()
        try { $names = @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters) }
        catch { $names = @() }
        $names += 'Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction', 'ErrorVariable',
        'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable', 'UseTransaction'
        # WhatIf and Confirm are documented on every cmdlet that supports ShouldProcess.
        $script:CommonParameterNames = @($names | Where-Object { $_ -ne 'WhatIf' -and $_ -ne 'Confirm' } | Sort-Object -Unique)
    }
    return $script:CommonParameterNames
}

function Get-TypeDisplayName([type] $Type, [switch] $Full) {
    # 'String', 'String[]', 'DateTime' for Nullable[DateTime]; -Full gives namespace-qualified names.
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { $Type = $underlying }
    if ($Type.IsArray) { return (Get-TypeDisplayName $Type.GetElementType() -Full:$Full) + '[]' }
    if ($Type.IsGenericType) {
        $base = if ($Full) { $Type.GetGenericTypeDefinition().FullName } else { $Type.Name }
        $base = $base -replace '`\d+$', ''
        $arguments = @($Type.GetGenericArguments() | ForEach-Object { Get-TypeDisplayName $_ -Full:$Full }) -join ', '
        return "$base[$arguments]"
    }
    if ($Full) { return $Type.FullName }
    return $Type.Name
}

function Get-PipelineText($Parameter) {
    $kinds = @()
    if ($Parameter.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
    if ($Parameter.ValueFromPipeline) { $kinds += 'ByValue' }
    if ($kinds.Count -eq 0) { return 'False' }
    return "True ($($kinds -join ', '))"
}

function Get-PositionText($Parameter) {
    if ($Parameter.Position -lt 0) { return 'named' }
    return [string]$Parameter.Position
}

function Get-CommandModel($Command) {
    # What the MAML needs from the cmdlet itself: parameter sets and per-parameter attributes.
    $common = Get-CommonParameterNames
    $sets = New-Object System.Collections.Generic.List[object]
    $ordered = @($Command.ParameterSets | Where-Object IsDefault) + @($Command.ParameterSets | Where-Object { -not $_.IsDefault })
    $perParameter = [ordered]@{}
    foreach ($set in $ordered) {
        $members = @($set.Parameters | Where-Object { $common -notcontains $_.Name })
        # Syntax order: positional by position, then mandatory, then the rest as declared; WhatIf/Confirm last.
        $index = 0
        $sorted = $members | ForEach-Object {
            $index++
            $rank = if ($_.Name -eq 'WhatIf') { 3 } elseif ($_.Name -eq 'Confirm') { 4 } elseif ($_.Position -ge 0) { 0 } elseif ($_.IsMandatory) { 1 } else { 2 }
            $position = if ($_.Position -ge 0) { $_.Position } else { 0 }
            [pscustomobject]@{ Rank = $rank; Position = $position; Index = $index; Parameter = $_ }
        } | Sort-Object Rank, Position, Index | ForEach-Object { $_.Parameter }
        $sets.Add([pscustomobject]@{ Name = $set.Name; IsDefault = $set.IsDefault; Parameters = @($sorted) })
        foreach ($parameter in $members) {
            if (-not $perParameter.Contains($parameter.Name)) { $perParameter[$parameter.Name] = New-Object System.Collections.Generic.List[object] }
            $perParameter[$parameter.Name].Add([pscustomobject]@{ Set = $set.Name; Info = $parameter })
        }
    }
    $parameters = [ordered]@{}
    foreach ($name in $perParameter.Keys) {
        $inSets = $perParameter[$name]
        $first = $inSets[0].Info
        $metadata = $Command.Parameters[$name]
        $positions = @($inSets | ForEach-Object { Get-PositionText $_.Info } | Sort-Object -Unique)
        $parameters[$name] = [pscustomobject]@{
            Name       = $name
            Type       = $first.ParameterType
            IsSwitch   = ($first.ParameterType -eq [System.Management.Automation.SwitchParameter])
            # 'Required' in the parameter list is true only when the parameter is mandatory in every set.
            Required   = (@($inSets | Where-Object { -not $_.Info.IsMandatory }).Count -eq 0)
            Position   = $(if ($positions.Count -eq 1) { $positions[0] } else { Get-PositionText $first })
            Pipeline   = (Get-PipelineText $first)
            Globbing   = (@($metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0)
            Aliases    = @($metadata.Aliases)
            Sets       = @($inSets | ForEach-Object { $_.Set })
        }
    }
    return [pscustomobject]@{ Name = $Command.Name; Verb = $Command.Verb; Noun = $Command.Noun; Sets = $sets; Parameters = $parameters; Command = $Command }
}

function Get-DocumentedParameterNames($Command) {
    $common = Get-CommonParameterNames
    return @($Command.Parameters.Keys | Where-Object { $common -notcontains $_ })
}

#endregion

#region MAML writing

function Write-Paragraphs($Writer, $Paragraphs) {
    $Writer.WriteStartElement('maml', 'description', $MamlNamespace)
    $any = $false
    foreach ($paragraph in @($Paragraphs)) {
        if ($null -eq $paragraph) { continue }
        $Writer.WriteElementString('maml', 'para', $MamlNamespace, $paragraph)
        $any = $true
    }
    if (-not $any) { $Writer.WriteElementString('maml', 'para', $MamlNamespace, '') }
    $Writer.WriteEndElement()
}

function Get-YamlValue($Doc, [string] $Key) {
    if ($null -eq $Doc) { return $null }
    foreach ($yaml in $Doc.Yaml) {
        if ($yaml.ContainsKey($Key) -and $yaml[$Key] -ne '') { return $yaml[$Key] }
    }
    return $null
}

function Write-ParameterElement($Writer, $Model, $Doc, [string] $CommandName, [switch] $InSyntax, $SetInfo) {
    $required = if ($InSyntax) { $SetInfo.IsMandatory } else { $Model.Required }
    $position = if ($InSyntax) { Get-PositionText $SetInfo } else { $Model.Position }
    $pipeline = if ($InSyntax) { Get-PipelineText $SetInfo } else { $Model.Pipeline }
    $aliases = if ($Model.Aliases.Count -gt 0) { $Model.Aliases -join ', ' } else { 'none' }

    $Writer.WriteStartElement('command', 'parameter', $CommandNamespace)
    $Writer.WriteAttributeString('required', $(if ($required) { 'true' } else { 'false' }))
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', $(if ($Model.Globbing) { 'true' } else { 'false' }))
    $Writer.WriteAttributeString('pipelineInput', $pipeline)
    $Writer.WriteAttributeString('position', $position)
    $Writer.WriteAttributeString('aliases', $aliases)
    $Writer.WriteElementString('maml', 'name', $MamlNamespace, $Model.Name)
    Write-Paragraphs $Writer (Get-ParameterDescription $Model $Doc)
    if (-not ($InSyntax -and $Model.IsSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $CommandNamespace)
        $Writer.WriteAttributeString('required', $(if ($Model.IsSwitch) { 'false' } else { 'true' }))
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString((Get-TypeDisplayName $Model.Type))
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $DevNamespace)
    $Writer.WriteElementString('maml', 'name', $MamlNamespace, (Get-TypeDisplayName $Model.Type -Full))
    $Writer.WriteElementString('maml', 'uri', $MamlNamespace, '')
    $Writer.WriteEndElement()
    $default = Get-YamlValue $Doc 'Default value'
    if (-not $default) { $default = if ($Model.IsSwitch) { 'False' } else { 'None' } }
    $Writer.WriteElementString('dev', 'defaultValue', $DevNamespace, $default)
    $Writer.WriteEndElement()
}

function Get-ParameterDescription($Model, $Doc) {
    if ($Doc -and $Doc.Description.Count -gt 0) { return $Doc.Description }
    # Fallbacks so the help is never empty for the ShouldProcess pair; other gaps are warned about.
    switch ($Model.Name) {
        'WhatIf' { return , @('Shows what would happen if the cmdlet runs. The cmdlet is not run.') }
        'Confirm' { return , @('Prompts you for confirmation before running the cmdlet.') }
    }
    return , @()
}

function Write-TypeList($Writer, [string] $ListName, [string] $ItemName, $Types) {
    $Writer.WriteStartElement('command', $ListName, $CommandNamespace)
    foreach ($type in $Types) {
        $Writer.WriteStartElement('command', $ItemName, $CommandNamespace)
        $Writer.WriteStartElement('dev', 'type', $DevNamespace)
        $Writer.WriteElementString('maml', 'name', $MamlNamespace, $type.Name)
        $Writer.WriteEndElement()
        Write-Paragraphs $Writer $type.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-CommandHelp($Writer, $Model, $Page) {
    $Writer.WriteStartElement('command', 'command', $CommandNamespace)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $MamlNamespace)
    $Writer.WriteAttributeString('xmlns', 'command', $null, $CommandNamespace)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $DevNamespace)

    $Writer.WriteStartElement('command', 'details', $CommandNamespace)
    $Writer.WriteElementString('command', 'name', $CommandNamespace, $Model.Name)
    $Writer.WriteElementString('command', 'verb', $CommandNamespace, $Model.Verb)
    $Writer.WriteElementString('command', 'noun', $CommandNamespace, $Model.Noun)
    Write-Paragraphs $Writer $Page.Synopsis
    $Writer.WriteEndElement()

    Write-Paragraphs $Writer $Page.Description

    $Writer.WriteStartElement('command', 'syntax', $CommandNamespace)
    foreach ($set in $Model.Sets) {
        $Writer.WriteStartElement('command', 'syntaxItem', $CommandNamespace)
        $Writer.WriteElementString('maml', 'name', $MamlNamespace, $Model.Name)
        foreach ($info in $set.Parameters) {
            $doc = if ($Page.Parameters.Contains($info.Name)) { $Page.Parameters[$info.Name] } else { $null }
            Write-ParameterElement $Writer $Model.Parameters[$info.Name] $doc $Model.Name -InSyntax -SetInfo $info
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    # Parameters in the order of the page, then any the page does not document yet.
    $Writer.WriteStartElement('command', 'parameters', $CommandNamespace)
    $order = @($Page.Parameters.Keys | Where-Object { $Model.Parameters.Contains($_) }) +
    @($Model.Parameters.Keys | Where-Object { -not $Page.Parameters.Contains($_) })
    foreach ($name in $order) {
        $doc = if ($Page.Parameters.Contains($name)) { $Page.Parameters[$name] } else { $null }
        Write-ParameterElement $Writer $Model.Parameters[$name] $doc $Model.Name
    }
    $Writer.WriteEndElement()

    $inputs = $Page.Inputs
    if ($null -eq $inputs) {
        $inputs = @($Model.Parameters.Values | Where-Object { $_.Pipeline -ne 'False' } | ForEach-Object {
                [pscustomobject]@{ Name = (Get-TypeDisplayName $_.Type -Full); Description = @() } } | Sort-Object Name -Unique)
        if ($inputs.Count -eq 0) { $inputs = @([pscustomobject]@{ Name = 'None'; Description = @() }) }
    }
    Write-TypeList $Writer 'inputTypes' 'inputType' $inputs

    $outputs = $Page.Outputs
    if ($null -eq $outputs) {
        $outputs = @($Model.Command.OutputType | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Description = @() } })
        if ($outputs.Count -eq 0) { $outputs = @([pscustomobject]@{ Name = 'None'; Description = @() }) }
    }
    Write-TypeList $Writer 'returnValues' 'returnValue' $outputs

    if ($Page.Notes -and $Page.Notes.Count -gt 0) {
        $Writer.WriteStartElement('maml', 'alertSet', $MamlNamespace)
        $Writer.WriteStartElement('maml', 'alert', $MamlNamespace)
        foreach ($paragraph in $Page.Notes) { $Writer.WriteElementString('maml', 'para', $MamlNamespace, $paragraph) }
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('command', 'examples', $CommandNamespace)
    foreach ($example in $Page.Examples) {
        $Writer.WriteStartElement('command', 'example', $CommandNamespace)
        $title = "Example $($example.Number)"
        if ($example.Title) { $title += ": $($example.Title)" }
        $Writer.WriteElementString('maml', 'title', $MamlNamespace, "-------------------------- $title --------------------------")
        $Writer.WriteElementString('dev', 'code', $DevNamespace, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $DevNamespace)
        foreach ($paragraph in $example.Remarks) { $Writer.WriteElementString('maml', 'para', $MamlNamespace, $paragraph) }
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $CommandNamespace)
    $online = $null
    if ($Page.FrontMatter.Contains('online version')) { $online = $Page.FrontMatter['online version'] }
    if ($online) {
        $Writer.WriteStartElement('maml', 'navigationLink', $MamlNamespace)
        $Writer.WriteElementString('maml', 'linkText', $MamlNamespace, 'Online Version:')
        $Writer.WriteElementString('maml', 'uri', $MamlNamespace, $online)
        $Writer.WriteEndElement()
    }
    foreach ($link in $Page.Links) {
        # Relative links (Connect-PveServer.md) only work on the docs site; Get-Help gets the name.
        $uri = if ($link.Uri -match '^[a-z][a-z0-9+.-]*://') { $link.Uri } else { '' }
        $Writer.WriteStartElement('maml', 'navigationLink', $MamlNamespace)
        $Writer.WriteElementString('maml', 'linkText', $MamlNamespace, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $MamlNamespace, $uri)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

function New-EmptyPage([string] $Name) {
    return [pscustomobject]@{
        File = $null; Name = $Name; FrontMatter = @{}; Synopsis = @(); SyntaxSets = @(); Description = @()
        Examples = @(); Parameters = [ordered]@{}; Inputs = $null; Outputs = $null; Notes = @(); Links = @(); Present = @{}
    }
}

function Test-PageAgainstCommand($Model, $Page, [System.Collections.Generic.List[string]] $Warnings) {
    # Gaps and drift between a page and the cmdlet: warnings, never failures (Help.Tests.ps1 enforces).
    $where = [System.IO.Path]::GetFileName($Page.File)
    foreach ($section in 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS') {
        if (-not $Page.Present.ContainsKey($section)) { $Warnings.Add("${where}: no '## $section' section") }
    }
    if ($Page.Present.ContainsKey('SYNOPSIS') -and (($Page.Synopsis -join '').Trim() -eq '')) { $Warnings.Add("${where}: the synopsis is empty") }
    if ((Get-Content -LiteralPath $Page.File -Raw) -match '\{\{[^}]*\}\}') { $Warnings.Add("${where}: still has {{ placeholders }} to fill in") }
    if ($Page.Examples.Count -lt 2) { $Warnings.Add("${where}: $($Page.Examples.Count) example(s); at least two are expected") }
    if ($null -ne $Page.Outputs) {
        $documented = @($Page.Outputs | ForEach-Object Name)
        foreach ($type in @($Model.Command.OutputType | ForEach-Object Name)) {
            if ($documented -notcontains $type) { $Warnings.Add("${where}: [OutputType] $type is not under '## OUTPUTS'") }
        }
    }
    foreach ($name in $Model.Parameters.Keys) {
        if (-not $Page.Parameters.Contains($name)) { $Warnings.Add("${where}: parameter -$name is not documented") }
        elseif ($Page.Parameters[$name].Description.Count -eq 0) { $Warnings.Add("${where}: parameter -$name has no description") }
    }
    foreach ($name in $Page.Parameters.Keys) {
        if (-not $Model.Parameters.Contains($name)) { $Warnings.Add("${where}:$($Page.Parameters[$name].Line): parameter -$name is documented but $($Model.Name) has no such parameter (left out of the help)") }
    }
    foreach ($name in $Page.Parameters.Keys) {
        if (-not $Model.Parameters.Contains($name)) { continue }
        $doc = $Page.Parameters[$name]; $meta = $Model.Parameters[$name]
        $checks = @(
            @('Type', (Get-TypeDisplayName $meta.Type)),
            @('Required', $(if ($meta.Required) { 'True' } else { 'False' })),
            @('Position', $meta.Position),
            @('Accept pipeline input', $meta.Pipeline)
        )
        foreach ($check in $checks) {
            $value = Get-YamlValue $doc $check[0]
            if ($null -ne $value -and $doc.Yaml.Count -eq 1 -and $value -ne $check[1]) {
                $Warnings.Add("${where}:$($doc.Line): -$name says '$($check[0]): $value' but the cmdlet has '$($check[1])' (the cmdlet wins)")
            }
        }
    }
}

function Write-MamlFile([string] $Path, $Entries) {
    $settings = New-Object System.Xml.XmlWriterSettings
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.Encoding = New-Object System.Text.UTF8Encoding($false)
    $writer = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($entry in $Entries) { Write-CommandHelp $writer $entry.Model $entry.Page }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
}

#endregion

#region About topics

function Format-Wrapped([string] $Text, [int] $Indent, [int] $HangingIndent = -1) {
    # Word-wraps one paragraph at $AboutWidth columns.
    if ($HangingIndent -lt 0) { $HangingIndent = $Indent }
    $words = @($Text -split '\s+' | Where-Object { $_ -ne '' })
    $lines = New-Object System.Collections.Generic.List[string]
    $line = ' ' * $Indent
    $fresh = $true
    foreach ($word in $words) {
        if (-not $fresh -and ($line.Length + 1 + $word.Length) -gt $AboutWidth) {
            $lines.Add($line)
            $line = (' ' * $HangingIndent) + $word
        }
        elseif ($fresh) { $line += $word }
        else { $line += ' ' + $word }
        $fresh = $false
    }
    if (-not $fresh) { $lines.Add($line) }
    return , $lines
}

function ConvertTo-AboutInline([string] $Text) {
    $Text = $Text -replace '\[([^\]]+)\]\(\)', '$1'
    $Text = $Text -replace '\[([^\]]+)\]\(([^)\s]+)\)', '$1 ($2)'
    $Text = $Text -replace '\*\*([^*]+)\*\*', '$1'
    return (ConvertFrom-MarkdownInline $Text)
}

function ConvertTo-AboutText([string] $Path) {
    $file = $Path
    $lines = Read-MarkdownLines $Path
    $start = 0
    if ($lines.Count -gt 0 -and $lines[0].Trim() -eq '---') { $start = (Split-FrontMatter $file $lines).Body }
    $blocks = Get-MarkdownBlocks $file $lines $start
    $out = New-Object System.Collections.Generic.List[string]
    $topic = $null
    $paragraph = New-Object System.Collections.Generic.List[string]
    $listIndent = -1
    $flush = {
        if ($paragraph.Count -gt 0) {
            $text = ConvertTo-AboutInline ($paragraph -join ' ')
            if ($listIndent -ge 0) {
                if ($text -match '^([-*+]|\d+[.)])\s+(.*)$') {
                    $marker = $Matches[1] -replace '^[*+]$', '-'
                    foreach ($l in (Format-Wrapped "$marker $($Matches[2])" (4 + $listIndent) (4 + $listIndent + $marker.Length + 1))) { $out.Add($l) }
                }
            }
            else {
                foreach ($l in (Format-Wrapped $text 4)) { $out.Add($l) }
                $out.Add('')
            }
            $paragraph.Clear()
        }
    }
    foreach ($block in $blocks) {
        if ($block.Kind -eq 'Heading') {
            & $flush
            if ($listIndent -ge 0) { $out.Add(''); $listIndent = -1 }
            if ($block.Level -eq 1) {
                if ($topic) { throw (New-FormatError $file $block.Line 'an about topic has exactly one level-1 heading (# about_Name)') }
                if ($block.Text -notmatch '^about_[A-Za-z0-9_]+$') { throw (New-FormatError $file $block.Line "the title must read '# about_Name', not '# $($block.Text)'") }
                $topic = $block.Text
                $out.Add('TOPIC'); $out.Add("    $topic"); $out.Add('')
            }
            elseif ($block.Level -eq 2) {
                $out.Add($block.Text.ToUpperInvariant())
            }
            else {
                foreach ($l in (Format-Wrapped (ConvertTo-AboutInline $block.Text).ToUpperInvariant() 2)) { $out.Add($l) }
            }
            continue
        }
        if (-not $topic) {
            if ($block.Kind -eq 'Text' -and $block.Text.Trim() -eq '') { continue }
            throw (New-FormatError $file $block.Line "expected '# about_Name' first")
        }
        if ($block.Kind -eq 'Code') {
            & $flush
            if ($listIndent -ge 0) { $out.Add(''); $listIndent = -1 }
            foreach ($l in ($block.Text -split "`n")) { $out.Add(('        ' + $l).TrimEnd()) }
            $out.Add('')
            continue
        }
        $line = $block.Text
        if ($line.Trim() -eq '') {
            & $flush
            if ($listIndent -ge 0) { $out.Add(''); $listIndent = -1 }
            continue
        }
        if ($line -match '^\s*\|') {
            # Tables are kept as written (the author keeps them within the width).
            & $flush
            $out.Add('    ' + $line.Trim())
            continue
        }
        if ($line -match '^(\s*)([-*+]|\d+[.)])\s+') {
            & $flush
            $listIndent = [Math]::Min($Matches[1].Length, 4)
            $paragraph.Add($line.Trim())
            continue
        }
        $paragraph.Add(($line.Trim() -replace '^>\s?', ''))
    }
    & $flush
    if (-not $topic) { throw (New-FormatError $file 1 "expected '# about_Name'") }
    # Collapse runs of blank lines and end with one newline.
    $text = (($out -join "`n") -replace "\n{3,}", "`n`n").TrimEnd() + "`n"
    return @{ Topic = $topic; Text = $text }
}

#endregion

function Get-SyntaxLine($Model, $Set) {
    $parts = @($Model.Name)
    foreach ($info in $Set.Parameters) {
        $meta = $Model.Parameters[$info.Name]
        $name = "-$($info.Name)"
        if ($info.Position -ge 0) { $name = "[$name]" }
        $text = if ($meta.IsSwitch) { $name } else { "$name <$(Get-TypeDisplayName $meta.Type)>" }
        if (-not $info.IsMandatory) { $text = "[$text]" }
        $parts += $text
    }
    $parts += '[<CommonParameters>]'
    return ($parts -join ' ')
}

function New-PageSkeleton($Model, [string] $ModuleName) {
    $nl = "`n"
    $fence = '```'
    $lines = New-Object System.Collections.Generic.List[string]
    foreach ($l in @('---', "external help file: $ModuleName.dll-Help.xml", "Module Name: $ModuleName",
            "online version: https://github.com/pvetokens/PveTokens/blob/main/docs/en-US/$($Model.Name).md", 'schema: 2.0.0', '---', '',
            "# $($Model.Name)", '', '## SYNOPSIS', '{{ Fill in the Synopsis }}', '', '## SYNTAX', '')) { $lines.Add($l) }
    foreach ($set in $Model.Sets) {
        $heading = if ($Model.Sets.Count -eq 1 -and $set.Name -eq '__AllParameterSets') { '### __AllParameterSets' } elseif ($set.IsDefault) { "### $($set.Name) (Default)" } else { "### $($set.Name)" }
        foreach ($l in @($heading, $fence, (Get-SyntaxLine $Model $set), $fence, '')) { $lines.Add($l) }
    }
    foreach ($l in @('## DESCRIPTION', '{{ Fill in the Description }}', '', '## EXAMPLES', '')) { $lines.Add($l) }
    foreach ($n in 1, 2) {
        foreach ($l in @("### Example ${n}: {{ Add title }}", "${fence}powershell", '{{ Add example code }}', $fence, '', '{{ Add example description }}', '')) { $lines.Add($l) }
    }
    $lines.Add('## PARAMETERS'); $lines.Add('')
    $allSets = @($Model.Sets | ForEach-Object Name)
    $names = @($Model.Parameters.Keys | Where-Object { $_ -ne 'WhatIf' -and $_ -ne 'Confirm' } | Sort-Object) +
    @($Model.Parameters.Keys | Where-Object { $_ -eq 'Confirm' -or $_ -eq 'WhatIf' } | Sort-Object)
    foreach ($name in $names) {
        $meta = $Model.Parameters[$name]
        $description = switch ($name) {
            'WhatIf' { 'Shows what would happen if the cmdlet runs. The cmdlet is not run.' }
            'Confirm' { 'Prompts you for confirmation before running the cmdlet.' }
            default { "{{ Fill $name Description }}" }
        }
        foreach ($l in @("### -$name", $description, '')) { $lines.Add($l) }
        # One yaml block per distinct combination of set attributes, as PlatyPS writes them.
        $groups = [ordered]@{}
        foreach ($set in $Model.Sets) {
            $info = $set.Parameters | Where-Object Name -EQ $name
            if (-not $info) { continue }
            $key = '{0}|{1}|{2}' -f $info.IsMandatory, (Get-PositionText $info), (Get-PipelineText $info)
            if (-not $groups.Contains($key)) { $groups[$key] = New-Object System.Collections.Generic.List[string] }
            $groups[$key].Add($set.Name)
        }
        foreach ($key in $groups.Keys) {
            $mandatory, $position, $pipeline = $key -split '\|'
            $sets = if (@($meta.Sets).Count -eq $allSets.Count -and $groups.Count -eq 1) { '(All)' } else { $groups[$key] -join ', ' }
            $position = if ($position -eq 'named') { 'Named' } else { $position }
            $aliases = if ($meta.Aliases.Count -gt 0) { $meta.Aliases -join ', ' } else { '' }
            foreach ($l in @("${fence}yaml", "Type: $(Get-TypeDisplayName $meta.Type)", "Parameter Sets: $sets", "Aliases: $aliases", '',
                    "Required: $(if ($mandatory -eq 'True') { 'True' } else { 'False' })", "Position: $position",
                    "Default value: $(if ($meta.IsSwitch) { 'False' } else { 'None' })", "Accept pipeline input: $pipeline",
                    "Accept wildcard characters: $(if ($meta.Globbing) { 'True' } else { 'False' })", $fence, '')) { $lines.Add($l) }
        }
    }
    foreach ($l in @('### CommonParameters',
            'This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable,',
            '-InformationAction, -InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable,',
            '-ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see',
            '[about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).', '', '## INPUTS', '')) { $lines.Add($l) }
    $inputs = @($Model.Parameters.Values | Where-Object { $_.Pipeline -ne 'False' } | ForEach-Object { Get-TypeDisplayName $_.Type -Full } | Sort-Object -Unique)
    if ($inputs.Count -eq 0) { $lines.Add('### None'); $lines.Add('You cannot pipe objects to this cmdlet.'); $lines.Add('') }
    foreach ($type in $inputs) { $lines.Add("### $type"); $lines.Add('{{ Fill in the input description }}'); $lines.Add('') }
    $lines.Add('## OUTPUTS'); $lines.Add('')
    $outputs = @($Model.Command.OutputType | ForEach-Object Name)
    if ($outputs.Count -eq 0) { $outputs = @('{{ Output type name }}') }
    foreach ($type in $outputs) { $lines.Add("### $type"); $lines.Add('{{ Fill in the output description }}'); $lines.Add('') }
    foreach ($l in @('## NOTES', '{{ Fill in the notes }}', '', '## RELATED LINKS', '', '[about_PveTokens](about_PveTokens.help.md)')) { $lines.Add($l) }
    return ($lines -join $nl) + $nl
}

function Invoke-NewPage {
    $module = Import-Module (Join-Path $ModulePath 'PveTokens.psd1') -Force -PassThru
    # -File passes "A,B" as one string.
    foreach ($name in @($NewPage | ForEach-Object { $_ -split "," } | ForEach-Object Trim | Where-Object { $_ })) {
        if (-not $module.ExportedCmdlets.ContainsKey($name)) { throw "The module exports no cmdlet '$name'." }
        $target = Join-Path $DocsPath "$name.md"
        if (Test-Path $target) { Write-Warning "$target exists; left as it is."; continue }
        $text = New-PageSkeleton (Get-CommandModel $module.ExportedCmdlets[$name]) $module.Name
        [System.IO.File]::WriteAllText($target, $text, (New-Object System.Text.UTF8Encoding($false)))
        Write-Host "==> docs: wrote $target; fill in every {{ placeholder }}"
    }
}

function Invoke-PlatyPS {
    Write-Host "==> docs: PlatyPS $((Get-Module -ListAvailable platyPS | Sort-Object Version -Descending | Select-Object -First 1).Version)"
    Import-Module platyPS
    Import-Module (Join-Path $ModulePath 'PveTokens.psd1') -Force
    New-ExternalHelp -Path $DocsPath -OutputPath $OutputPath -Force | Out-Null
    # PlatyPS names the text after the markdown file: about_X.help.md gives about_X.help.help.txt.
    Get-ChildItem $OutputPath -Filter '*.help.help.txt' | ForEach-Object {
        Move-Item $_.FullName (Join-Path $OutputPath ($_.Name -replace '\.help\.help\.txt$', '.help.txt')) -Force
    }
}

function Invoke-Converter {
    $module = Import-Module (Join-Path $ModulePath 'PveTokens.psd1') -Force -PassThru
    $warnings = New-Object System.Collections.Generic.List[string]
    $errors = New-Object System.Collections.Generic.List[string]

    $pages = @{}
    foreach ($file in (Get-ChildItem $DocsPath -Filter '*-*.md' | Sort-Object Name)) {
        try {
            $page = Read-CommandPage $file.FullName
            if ($page.Name -ne $file.BaseName) {
                throw (New-FormatError $file.FullName 1 "the page is named '$($file.BaseName)' but its heading says '# $($page.Name)'")
            }
            $pages[$page.Name] = $page
        }
        catch [MarkdownFormatException] { $errors.Add($_.Exception.Message) }
    }

    $abouts = @()
    foreach ($file in (Get-ChildItem $DocsPath -Filter 'about_*.md' | Sort-Object Name)) {
        try { $abouts += , (ConvertTo-AboutText $file.FullName) }
        catch [MarkdownFormatException] { $errors.Add($_.Exception.Message) }
    }

    if ($errors.Count -gt 0) {
        foreach ($message in $errors) { [Console]::Error.WriteLine("New-MamlHelp: $message") }
        throw "New-MamlHelp: $($errors.Count) markdown file problem(s); no help was written."
    }

    $entries = New-Object System.Collections.Generic.List[object]
    $missingPages = @()
    foreach ($command in ($module.ExportedCmdlets.Values | Sort-Object Name)) {
        $model = Get-CommandModel $command
        if ($pages.ContainsKey($command.Name)) {
            $page = $pages[$command.Name]
            Test-PageAgainstCommand $model $page $warnings
        }
        else {
            $missingPages += $command.Name
            $page = New-EmptyPage $command.Name
        }
        $entries.Add([pscustomobject]@{ Model = $model; Page = $page })
    }
    foreach ($name in ($pages.Keys | Sort-Object)) {
        if (-not $module.ExportedCmdlets.ContainsKey($name)) { $warnings.Add("$name.md: the module exports no cmdlet '$name' (page ignored)") }
    }
    if ($missingPages.Count -gt 0) { $warnings.Insert(0, "no docs page for: $($missingPages -join ', ') (help written from metadata only)") }

    $maml = Join-Path $OutputPath "$($module.Name).dll-Help.xml"
    Write-MamlFile $maml $entries
    Write-Host "==> docs: $maml ($($entries.Count) cmdlet(s))"
    foreach ($about in $abouts) {
        $target = Join-Path $OutputPath "$($about.Topic).help.txt"
        [System.IO.File]::WriteAllText($target, $about.Text, (New-Object System.Text.UTF8Encoding($false)))
        Write-Host "==> docs: $target"
    }
    foreach ($warning in $warnings) { Write-Warning $warning }
}

try {
    $ModulePath = (Resolve-Path $ModulePath).Path
    $DocsPath = (Resolve-Path $DocsPath).Path
    if ($PSCmdlet.ParameterSetName -eq 'NewPage') { Invoke-NewPage; exit 0 }
    if (-not $OutputPath) { $OutputPath = Join-Path $ModulePath 'en-US' }
    if (-not (Test-Path $OutputPath)) { New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null }
    $OutputPath = (Resolve-Path $OutputPath).Path

    if (Get-Module -ListAvailable platyPS) { Invoke-PlatyPS } else { Invoke-Converter }
}
catch {
    [Console]::Error.WriteLine($_.Exception.Message)
    exit 1
}
exit 0
