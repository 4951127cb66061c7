// Package zone holds the pure logic of the medical-device grouping model and of zones,
// conduits and risk (ZCR) of the MOHW baseline [000 §4, §6, §7]: the five device classes
// and their boundary hosts, proposed from an asset's facts and observed flows; network
// security zones that nest and own address ranges, VLANs and SSIDs; security levels SL0–SL4
// and their checks; conduits between zones, a fast checker of observed flows against them,
// least-privilege conduit proposals, exports for firewalls (nftables, CSV); the network
// template diagram of [000 附圖二] as SVG; and the yearly cyber risk level (CRL) review.
//
// The package imports nothing of medsec's own: callers convert their records into the plain
// types defined here (Zone, Conduit, Asset, Flow, Facts) and back. Nothing here reads the
// clock; functions that need the date take it as a parameter.
package zone
