package api

import "github.com/gin-gonic/gin"

func (s *server) routes(r *gin.Engine) {
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/v1/schemas/journey.json", s.journeySchema)

	ingest := r.Group("/v1", s.auth(roleWrite))
	ingest.POST("/track", s.track)

	manage := r.Group("/v1", s.auth(roleAdmin))
	manage.POST("/journeys", s.createJourney)
	manage.GET("/journeys/:id", s.getJourney)
	manage.POST("/journeys/:id/activate", s.activateJourney)
	manage.GET("/customers/:id/journeys", s.customerJourneys)
	manage.GET("/outbox", s.outbox)
	manage.GET("/journey-templates", s.listJourneyTemplates)
	manage.GET("/journey-templates/:name", s.getJourneyTemplate)
	manage.POST("/journey-templates/:name/launch", s.launchJourneyTemplate)
}
